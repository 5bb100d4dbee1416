/** Tuning of the data plane (downloads, seeding, channels). Each number says why it is what it is. */

/**
 * A data channel's send buffer holds about SEND_BUFFER_MS of what it drains (measured at each
 * drain), between CHANNEL_HIGH_WATER_MIN (one chunk) and CHANNEL_HIGH_WATER; sending resumes below
 * a quarter of it. A fixed 1 MiB gave full loopback throughput (~25 MiB/s: 40 ms of it), but a
 * seeder's channel to one of eight leechers on a 4 Mbit/s uplink drains 64 KB/s: 1 MiB there is
 * 16 s, and every chunk, HAVE and REJECT queued behind it was 16 s old on arrival (the flash crowd's
 * picks and the seeder's "sent elsewhere" went stale: it sent 1.4-1.7 copies). Chromium throws
 * "send queue is full" near 16 MiB, so the cap stays far below.
 */
export const CHANNEL_HIGH_WATER = 1024 * 1024;
export const CHANNEL_HIGH_WATER_MIN = 64 * 1024;
export const SEND_BUFFER_MS = 300;

/**
 * Requests in flight to one peer cover PIPELINE_TARGET_MS of its measured throughput: enough to
 * hide the round trip, the seeder's storage read and its send queue, so the seeder always has the
 * next chunks to send. Measured on a 2-core VM whose CPU is the bottleneck (the round trip then grows
 * with the load), 256 MiB warm 1→1 against a raw channel between the same browsers: at 300 ms 0.83×
 * and 0.85× its speed for 1.21–1.23× its CPU, at 600 ms 0.90× and 0.91× for 1.15× (two runs each,
 * the same day). Both sent 4–8.5% more UDP datagrams per MiB than the raw channel then; with
 * refills of a quarter of the pipeline (REQUEST_BATCH_FRACTION) the figure is within ~1–2%.
 * At least PIPELINE_MIN (a new peer has no measurement yet; 16 × 64 KiB = 1 MiB), at most the spec's
 * PIPELINE_MAX (64 × 64 KiB = 4 MiB: the cap for every peer above ~6.7 MiB/s).
 * The endgame waits twice the target (ENDGAME_DUPLICATE_AFTER_MS) before duplicating a request.
 */
export const PIPELINE_MIN = 16;
export const PIPELINE_TARGET_MS = 600;

/**
 * In a crowd, a peer measured for SPEED_WINDOW_MS gets no more than its rate asks for, down to this:
 * a seeder shared by eight leechers on a slow uplink serves each half a chunk a second, and 16
 * requests there were 32 s old when served (picked before the crowd had the chunk); the other
 * sources keep the download busy meanwhile.
 */
export const PIPELINE_MIN_IN_CROWD = 4;

/**
 * A chunk a seeder sent to one peer this recently (and that peer still here) is REJECTed to another,
 * once, as sent elsewhere (spec, REJECT 4). Long, because a leecher's request can wait many seconds
 * in a crowded seeder's queue: with 8 leechers on a 2 Mbit/s uplink each gets half a chunk a second,
 * and a 5 s window let the seeder send 1.7 copies of the file. At most SENT_ELSEWHERE_MAX chunks are
 * remembered per share (the oldest go first).
 */
export const SENT_ELSEWHERE_MS = 60_000;
export const SENT_ELSEWHERE_MAX = 16_384;

/**
 * A chunk a seeder REJECTed as sent elsewhere is not asked of it again for this long (spec, REJECT
 * 4): time for the other leecher to receive it and say HAVE (each behind up to SEND_BUFFER_MS of a
 * slow channel's data, or one chunk's worth) before this one asks it of the seeder again.
 */
export const SENT_ELSEWHERE_DEFER_MS = 6_000;

/**
 * A seeder that accepts batched REQUESTS is asked again once REQUEST_BATCH_FRACTION of its
 * pipeline's slots are free (at least REQUEST_BATCH, at most a frame's MAX_BATCHED_REQUESTS), all in
 * one frame: every small frame back is a packet through both browsers' network stacks. Measured here
 * (raw channels, 64 KiB messages): one 5-byte reply per message costs ~15% more machine CPU than
 * none; one 20-byte reply per 4 messages a median ~11%, per 16 ~4% (6 paired rounds, 2026-12-07).
 * A full pipeline (PIPELINE_MAX) is refilled 16 at a time, so three quarters of it stay in flight;
 * a shallow one, four at a time.
 */
export const REQUEST_BATCH = 4;
export const REQUEST_BATCH_FRACTION = 1 / 4;

/**
 * Chunks received but not yet verified and written, across all sources of a download: 64 × 64 KiB
 * = 4 MiB. Requests pause at this mark, so a slow disk backs pressure up to the peers instead of
 * piling chunks (and unsaved progress) into the storage worker's queue.
 */
export const MAX_UNVERIFIED_CHUNKS = 64;

/**
 * A seeder serves up to this many queued chunks of one leecher per round-robin turn, read from
 * storage in one call: 16 × 64 KiB = 1 MiB, what a fast channel's send buffer takes (a turn also
 * stops at the channel's room, so on a slow link it is a chunk or a few). Every read is a call into
 * the browser process where OPFS lives in memory (a private window: ~1 ms a call), and 4 per turn
 * made a loopback seeder read 256 KiB at a time.
 */
export const UPLOAD_CHUNKS_PER_TURN = 16;

/** How often a download checks its peers for stalls. */
export const WATCHDOG_INTERVAL_MS = 1_000;

/**
 * A peer is dropped (and banned for the share) at its first chunk that fails verification: data
 * channels are reliable and checksummed (SCTP CRC32c), so a bad chunk means a broken or lying peer.
 */
export const MAX_BAD_CHUNKS = 1;

/** Time allowed for a peer connection's data channel to open. */
export const CONNECT_TIMEOUT_MS = 20_000;

/** Speed is averaged over a sliding window of this length. */
export const SPEED_WINDOW_MS = 3_000;
