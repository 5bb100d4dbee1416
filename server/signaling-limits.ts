/**
 * What one client address may make the signaling server hold and send. The per-socket limits
 * (frame size, 20 messages/s, 256 shares per peer) bound what a socket sends; these bound what it
 * causes the server to send to others and to itself: announcement fan-out, room snapshots, answers.
 */

/**
 * Bytes the server may send because of one address, as a burst and then per second: its welcome
 * and room snapshot, its announcements fanned out to the room, the offers and answers it relays, its
 * answers. 4 MiB covers an honest join into a full room (welcome ~25 KiB, a snapshot of at most
 * MAX_SNAPSHOT_SHARES, peer-joined to 499 peers) and 256 shares announced into a room of 40; past
 * it, 64 KiB/s still lets a busy user work while a flood gets nowhere.
 */
export const EGRESS_BURST_BYTES = 4 * 1024 * 1024;
export const EGRESS_BYTES_PER_SECOND = 64 * 1024;

/**
 * Room joins per address: as many at once as it may hold sockets, then one a second. Each join
 * costs its room a peer-left and a peer-joined and the joiner a snapshot; the egress budget above
 * is what really bounds a rejoin loop, this refuses one before it costs anything.
 */
export const JOIN_BURST = 64;
export const JOINS_PER_SECOND = 1;

/**
 * Display-name changes per address: a few at once, then one every 10 s. A rename is one small
 * message in and one to every member out (50× in a room of 40); paced like joins (1/s) a rename
 * loop made the server send 22 bytes per byte received. People rename rarely.
 */
export const RENAME_BURST = 3;
export const RENAMES_PER_SECOND = 0.1;

/** Shares announced by all the sockets of one address together (64 sockets × 256 would be 16,384). */
export const MAX_SHARES_PER_ADDRESS = 512;

/** Shares announced in one room, counted per holder: bounds the room's index and every snapshot of it. */
export const MAX_SHARES_PER_ROOM = 4096;

/** Shares in the `files` snapshot after `welcome` (~180 B each: at most ~180 KiB), shared fairly among holders. */
export const MAX_SNAPSHOT_SHARES = 1024;

/** Holders named in an answer to `request-file`: more than a download can connect to (24). */
export const MAX_HOLDERS_PER_ANSWER = 64;

/** How often announcements waiting for their address's budget are sent on. */
export const FANOUT_FLUSH_MS = 250;
