/**
 * Private room codes: 16 characters from a 32-letter alphabet without look-alikes (80 random bits,
 * unguessable), valid as signaling room names. Rooms are joined by code or by a link (?room=code).
 */
import { isAddressRoomName } from '../../protocol/index.js';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
export const ROOM_CODE_LENGTH = 16;

export function newRoomCode(random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(ROOM_CODE_LENGTH));
  return [...bytes].map((b) => ALPHABET[b & 31]).join('');
}

/** A typed code or pasted link, as a room name; undefined if it cannot be one. */
export function roomFromInput(text: string): string | undefined {
  const trimmed = text.trim();
  let candidate = trimmed;
  if (/^https?:\/\//i.test(trimmed)) {
    try {
      candidate = new URL(trimmed).searchParams.get('room') ?? '';
    } catch {
      return undefined;
    }
  }
  return /^[A-Za-z0-9_-]{1,64}$/.test(candidate) && !isAddressRoomName(candidate) ? candidate : undefined;
}

export function roomLink(base: string, room: string): string {
  const url = new URL(base);
  url.search = '';
  url.hash = '';
  url.searchParams.set('room', room);
  return url.href;
}
