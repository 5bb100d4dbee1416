/**
 * Shares belong to rooms: each records the rooms it is offered in, and only the shares of the room
 * the page is in are announced and served. A room is recorded by its code, or as NETWORK_ROOM for
 * the room of everyone behind the user's public address (whose name the server assigns and may
 * change with the address, so it is not recorded).
 */

/** A room as shares record it: its code, or NETWORK_ROOM. */
export type RoomKey = string;

export const NETWORK_ROOM: RoomKey = '';

/** The key of a room as the engine names it (undefined: the room of this network). */
export const roomKeyOf = (room: string | undefined): RoomKey => room ?? NETWORK_ROOM;

/** The room a key names, as the engine and the URL name it. */
export const roomOfKey = (key: RoomKey): string | undefined => (key === NETWORK_ROOM ? undefined : key);

/** How a room reads in the UI. */
export const roomLabel = (key: RoomKey): string => (key === NETWORK_ROOM ? 'your network' : `room ${key}`);

/** `rooms` with `key` in it, in the order first given. */
export const withRoom = (rooms: readonly RoomKey[], key: RoomKey): RoomKey[] => (rooms.includes(key) ? [...rooms] : [...rooms, key]);
