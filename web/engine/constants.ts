/** Tuning of the transfer engine. Each number says why it is what it is. */

/**
 * Stop queuing on a data channel above 1 MiB buffered, resume below 256 KiB: measured here, a
 * high-water mark near 1 MiB gives full loopback throughput (~25 MiB/s); Chromium throws
 * "send queue is full" near 16 MiB, so we stay far below.
 */
export const CHANNEL_HIGH_WATER = 1024 * 1024;
export const CHANNEL_LOW_WATER = 256 * 1024;

/**
 * Requests in flight to one peer: 32 × 64 KiB = 2 MiB, about 80 ms of a 25 MiB/s channel, enough to
 * hide the round trip plus the seeder's storage read without one peer hoarding the tail.
 */
export const REQUESTS_IN_FLIGHT = 32;

/** A seeder queues at most this many requests per channel; more are rejected (TooManyRequests). */
export const MAX_QUEUED_REQUESTS = 256;

/** Persist the download bitfield after this many new chunks (and at the end): 4 MiB of progress. */
export const BITFIELD_SAVE_EVERY = 64;

/** A peer that sends nothing for this long while requests are outstanding is considered stalled. */
export const REQUEST_TIMEOUT_MS = 20_000;

/** Time allowed for a peer connection's data channel to open. */
export const CONNECT_TIMEOUT_MS = 20_000;

/** Speed is averaged over a sliding window of this length. */
export const SPEED_WINDOW_MS = 3_000;

/** Signaling reconnect backoff: 0.5 s doubling to 15 s. */
export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 15_000;

/** Label of every Shoal data channel; the version lets a future protocol coexist. */
export const CHANNEL_LABEL = 'shoal/1';
