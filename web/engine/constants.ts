/** Tuning of the engine (peer connections, signaling, retries). Each number says why it is what it is. */

/** Reconnecting to a lost source: 1 s doubling to 30 s. */
export const RETRY_MIN_MS = 1_000;
export const RETRY_MAX_MS = 30_000;

/**
 * At the cap (MAX_CONNECTIONS in protocol/constants.ts), the connection idle longest is closed for a
 * new one; if none is idle, the new one waits (its download retries with backoff). A connection with
 * no data channel for IDLE_CONNECTION_MS is closed even below the cap.
 */
export const IDLE_CONNECTION_MS = 120_000;
/** A connection `disconnected` for this long gets an ICE restart. */
export const DISCONNECTED_GRACE_MS = 3_000;

/** ICE restarts tried on a failed connection before it is reported failed and closed. */
export const MAX_ICE_RESTARTS = 2;

/**
 * Signaling reconnect backoff: 0.5 s doubling to 4 s (±25% jitter), so a client is back in its room
 * within 5 s of the server's return however long it was away. 20,000 clients then reconnect at about
 * 5,000 upgrades per second at worst, which one uWebSockets.js instance takes.
 */
export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 4_000;

/**
 * A share being hashed and stored that makes no progress for this long has failed (a worker that
 * never answers, a file the browser stopped reading): it says so and offers Retry, instead of sitting
 * at "hashing" for ever. Hashing runs at tens to hundreds of MiB/s: a minute without a byte is stuck.
 */
export const IMPORT_STALL_MS = 60_000;
