/**
 * The room the user last chose in this browser, kept in localStorage, and the room the app starts
 * in. A link may name another room (`?room=`, a share link, a `web+shoal:` link, a share target's
 * URL): the app then starts where the user was, and asks before it moves (the shell's question).
 * A page without a room is the room of the user's network: where they are, never a stranger's.
 */

const KEY = 'shoal.room';

/** What is remembered: the room (undefined: the room of the network), or nothing yet. */
export type RememberedRoom = { room: string | undefined } | undefined;

export function readRememberedRoom(storage: Pick<Storage, 'getItem'>): RememberedRoom {
  try {
    const value = JSON.parse(storage.getItem(KEY) ?? 'null') as unknown;
    if (value && typeof value === 'object' && 'room' in value) {
      const room = (value as { room: unknown }).room;
      if (room === null) return { room: undefined };
      if (typeof room === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(room)) return { room };
    }
  } catch {
    // unreadable: as if nothing were remembered
  }
  return undefined;
}

export function rememberRoom(storage: Pick<Storage, 'setItem'>, room: string | undefined): void {
  try {
    storage.setItem(KEY, JSON.stringify({ room: room ?? null }));
  } catch {
    // storage denied: the room still holds for this page
  }
}

export interface StartingRoomInput {
  /** The room the page's URL names (undefined: none). */
  linkRoom: string | undefined;
  remembered: RememberedRoom;
  /** Shoal ran in this browser before (its settings exist), whether or not a room was remembered. */
  usedBefore: boolean;
  /** The page is a reload (or Back/Forward) of the user's own URL, not a link followed to it. */
  reloaded: boolean;
}

/**
 * Where the app starts, and the room a link asks to move to (undefined: nothing to ask).
 * A reload (or Back/Forward) is of a URL this tab was already in: no other site can make a tab
 * reload, and a room the user declined was taken out of the URL before the page went on. A first
 * run takes the link's room: nothing of the user's is there to protect. Anything else that names a
 * room other than the remembered one (or, in a browser that ran Shoal before rooms were
 * remembered, any room) is asked about.
 */
export function startingRoom({ linkRoom, remembered, usedBefore, reloaded }: StartingRoomInput): { room: string | undefined; ask: string | undefined } {
  if (linkRoom === undefined || reloaded) return { room: linkRoom, ask: undefined };
  const current = remembered ?? (usedBefore ? { room: undefined } : undefined);
  if (current === undefined || current.room === linkRoom) return { room: linkRoom, ask: undefined };
  return { room: current.room, ask: linkRoom };
}
