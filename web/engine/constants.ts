/** Tuning of the transfer engine. Each number says why it is what it is. */

/**
 * Stop queuing on a data channel above 1 MiB buffered, resume below 256 KiB: measured here, a
 * high-water mark near 1 MiB gives full loopback throughput (~25 MiB/s); Chromium throws
 * "send queue is full" near 16 MiB, so we stay far below.
 */
export const CHANNEL_HIGH_WATER = 1024 * 1024;
export const CHANNEL_LOW_WATER = 256 * 1024;

/**
 * Requests in flight to one peer cover PIPELINE_TARGET_MS of its measured throughput: 300 ms hides
 * the round trip, the seeder's storage read and its send queue. At least PIPELINE_MIN (a new peer
 * has no measurement yet; 16 × 64 KiB = 1 MiB), at most PIPELINE_MAX (64 × 64 KiB = 4 MiB, so one
 * peer cannot hoard the tail of the file).
 */
export const PIPELINE_MIN = 16;
export const PIPELINE_MAX = 64;
export const PIPELINE_TARGET_MS = 300;

/**
 * In endgame a chunk is asked of a second peer only once its first request is this old: twice what
 * a healthy pipeline takes to deliver (PIPELINE_TARGET_MS). Duplicating every outstanding chunk at
 * once wasted 1–2% of a 3→1 transfer on chunks already on their way; this keeps the endgame for
 * the slow peer it is meant for.
 */
export const ENDGAME_DUPLICATE_AFTER_MS = 2 * PIPELINE_TARGET_MS;

/**
 * Chunks received but not yet verified and written, across all sources of a download: 64 × 64 KiB
 * = 4 MiB. Requests pause at this mark, so a slow disk backs pressure up to the peers instead of
 * piling chunks (and unsaved progress) into the storage worker's queue.
 */
export const MAX_UNVERIFIED_CHUNKS = 64;

/**
 * A seeder serves up to this many queued chunks of one leecher per round-robin turn, read from
 * storage in one worker call: 4 × 64 KiB keeps turns short while cutting worker messages fourfold.
 */
export const UPLOAD_CHUNKS_PER_TURN = 4;
/** A seeder queues at most this many requests per channel; more are rejected (TooManyRequests). */
export const MAX_QUEUED_REQUESTS = 256;

/** A peer that sends nothing for this long while requests are outstanding has stalled. */
export const REQUEST_TIMEOUT_MS = 8_000;

/** How often a download checks its peers for stalls. */
export const WATCHDOG_INTERVAL_MS = 1_000;

/**
 * A peer is dropped (and banned for the share) at its first chunk that fails verification: data
 * channels are reliable and checksummed (SCTP CRC32c), so a bad chunk means a broken or lying peer.
 */
export const MAX_BAD_CHUNKS = 1;

/** Reconnecting to a lost source: 1 s doubling to 30 s. */
export const RETRY_MIN_MS = 1_000;
export const RETRY_MAX_MS = 30_000;

/**
 * Open peer connections, at most: Chromium refuses new RTCPeerConnections past a per-page limit
 * (WebTorrent #1414), and each costs threads and sockets. At the cap, the connection idle longest is
 * closed for a new one; if none is idle, the new one waits (its download retries with backoff).
 */
export const MAX_CONNECTIONS = 24;
/** A connection with no data channel for this long is closed even below the cap. */
export const IDLE_CONNECTION_MS = 120_000;
/** A connection `disconnected` for this long gets an ICE restart. */
export const DISCONNECTED_GRACE_MS = 3_000;
/** ICE restarts tried on a failed connection before it is reported failed and closed. */
export const MAX_ICE_RESTARTS = 2;
/** Time allowed for a peer connection's data channel to open. */
export const CONNECT_TIMEOUT_MS = 20_000;

/** Speed is averaged over a sliding window of this length. */
export const SPEED_WINDOW_MS = 3_000;

/**
 * Signaling reconnect backoff: 0.5 s doubling to 4 s (±25% jitter), so a client is back in its room
 * within 5 s of the server's return however long it was away. 20,000 clients then reconnect at about
 * 5,000 upgrades per second at worst, which one uWebSockets.js instance takes.
 */
export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 4_000;

/** Label of every Shoal data channel; the version lets a future protocol coexist. */
export const CHANNEL_LABEL = 'shoal/1';
