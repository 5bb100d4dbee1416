/** Limits and sizes every Shoal implementation agrees on. Each one explains itself. */

/** Protocol version carried in the wire handshake and the metadata. */
export const PROTOCOL_VERSION = 1;

/**
 * 64 KiB chunks: small enough that one chunk plus its header fits a single SCTP data-channel message
 * in every browser (Chromium and Firefox accept 256 KiB; the lowest common bound is 64 KiB + header
 * only on Chromium, see RTCSctpTransport.maxMessageSize), large enough that per-chunk SHA-256 hashes
 * stay at 0.05% of the file (32 bytes per 64 KiB).
 */
export const CHUNK_SIZE = 64 * 1024;

/**
 * Largest file one share may describe: 64 GiB is 1,048,576 chunks, whose hash list (64 hex chars each)
 * keeps the metadata under MAX_METADATA_BYTES.
 */
export const MAX_FILE_SIZE = 64 * 1024 * 1024 * 1024;

/** Metadata is at most 80 MiB of JSON: 1,048,576 hashes × (64 hex + 3 punctuation) plus the rest. */
export const MAX_METADATA_BYTES = 80 * 1024 * 1024;

/** A file name as shown and saved: 255 UTF-16 code units, the common file-system limit. */
export const MAX_NAME_LENGTH = 255;

/** Files in one multi-file share: enough for a photo library or a source tree, bounded for the UI. */
export const MAX_SHARE_FILES = 10_000;

/** A path inside a folder share: at most this many segments ... */
export const MAX_PATH_DEPTH = 32;

/** ... and this many UTF-16 code units in all. */
export const MAX_PATH_LENGTH = 1024;

/** Largest signaling message the server accepts (an SDP offer with many candidates is ~10 KiB). */
export const MAX_SIGNALING_MESSAGE_BYTES = 64 * 1024;

/** Largest SDP a client may relay; Chromium's offers with several transceivers stay well under. */
export const MAX_SDP_LENGTH = 32 * 1024;

/** Largest room name; generated codes are far shorter. */
export const MAX_ROOM_LENGTH = 64;

/**
 * Room names with this prefix are the server's own: the room of everyone behind one public address,
 * assigned from the connection's address alone. A client that names one is refused (`reserved-room`),
 * so knowing or guessing someone's address never lets a stranger into their room.
 */
export const ADDRESS_ROOM_PREFIX = 'ip-';

/** Peer ids are server-assigned: 16 random bytes as 22 base64url characters. */
export const MAX_PEER_ID_LENGTH = 64;

/** Shares announced by one message; bounds the server's per-room index. */
export const MAX_ANNOUNCED_SHARES = 256;

/** Largest wire frame: a PIECE of one full chunk plus its 5-byte header, with room to spare. */
export const MAX_WIRE_FRAME_BYTES = CHUNK_SIZE + 64;

/** Metadata travels on the wire in parts of at most this many bytes (it can be far larger than a chunk). */
export const METADATA_PART_BYTES = CHUNK_SIZE;

/** Label of every Shoal data channel; the version lets a future protocol coexist. */
export const CHANNEL_LABEL = 'shoal/1';

/** A seeder queues at most this many requests per channel; more are REJECTed (TooManyRequests). */
export const MAX_QUEUED_REQUESTS = 256;

/**
 * REJECTs for a full queue a channel may earn before the seeder fails it (ERROR ProtocolViolation):
 * an honest downloader keeps at most PIPELINE_MAX (64) requests out per peer, a quarter of the
 * queue, so it never earns one; a peer that keeps requesting past the queue would otherwise be
 * answered forever, a frame out for every frame in.
 */
export const MAX_OVERFLOW_REJECTS = 16;

/** Requests in flight from a downloader to one peer, at most (4 MiB: one peer cannot hoard the tail). */
export const PIPELINE_MAX = 64;

/** A peer that sends nothing for this long while requests are outstanding has stalled. */
export const REQUEST_TIMEOUT_MS = 8_000;

/**
 * In endgame a chunk is asked of a second peer only once its first request is this old: twice what
 * a healthy pipeline takes to deliver (PIPELINE_TARGET_MS in plane/constants.ts). Duplicating every
 * outstanding chunk at once wasted 1–2% of a 3→1 transfer on chunks already on their way.
 */
export const ENDGAME_DUPLICATE_AFTER_MS = 1_200;

/**
 * Open peer connections, at most: Chromium refuses new RTCPeerConnections past a per-page limit
 * (WebTorrent #1414), and each costs threads and sockets.
 */
export const MAX_CONNECTIONS = 24;

/** Peers in one room, at most; the server refuses a join past it (`room-full`). */
export const MAX_PEERS_PER_ROOM = 500;

/** Signaling messages one connection may send: 50 at once, 20/s sustained (an ICE burst fits, a flood does not). */
export const SIGNALING_MESSAGE_BURST = 50;
export const SIGNALING_MESSAGES_PER_SECOND = 20;
