/**
 * Reading a share while it downloads: the service worker answers a `/files/` request for a share
 * that is not complete by asking the data plane (in an open Shoal window) for its bytes, in order,
 * over a MessagePort. The plane sends bytes as soon as they are stored and, meanwhile, fetches the
 * chunks just ahead of the reader before any other (a streaming priority over rarest-first).
 *
 *   service worker -> every window client:  { type: STREAM_OPEN, shareId }  with the port in `ports[0]`
 *   plane -> sw:   accept | refuse                  (a window without that share refuses)
 *   sw -> plane:   read { start, end }               once: the byte range [start, end) of the share
 *   sw -> plane:   pull                              each time the reader wants more
 *   plane -> sw:   bytes { data }                    one answer per pull: the next bytes, in order
 *   plane -> sw:   error { message }                 the share stopped being readable here
 *   sw -> plane:   cancel                            the reader went away; the priority is dropped
 */
import { isSha256Hex } from './hex.js';

export const STREAM_OPEN = 'shoal-stream-open';

/** One answer to a pull carries at most this much: 16 chunks, so a fast reader needs few round trips. */
export const STREAM_PIECE_BYTES = 1024 * 1024;

/** Chunks ahead of the reader's position fetched before any other: 4 MiB, seconds of HD video. */
export const STREAM_AHEAD_CHUNKS = 64;

export type StreamRequest = { type: 'read'; start: number; end: number } | { type: 'pull' } | { type: 'cancel' };
export type StreamReply = { type: 'accept' } | { type: 'refuse' } | { type: 'bytes'; data: Uint8Array } | { type: 'error'; message: string };

/** The share id of a STREAM_OPEN message, or undefined when `data` is not one. */
export function streamOpenShareId(data: unknown): string | undefined {
  const message = data as { type?: unknown; shareId?: unknown } | null;
  return message?.type === STREAM_OPEN && isSha256Hex(message.shareId) ? message.shareId : undefined;
}

function isOffset(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export function parseStreamRequest(data: unknown): StreamRequest | undefined {
  const message = data as { type?: unknown; start?: unknown; end?: unknown } | null;
  switch (message?.type) {
    case 'read':
      return isOffset(message.start) && isOffset(message.end) && message.start <= message.end ? { type: 'read', start: message.start, end: message.end } : undefined;
    case 'pull':
    case 'cancel':
      return { type: message.type };
    default:
      return undefined;
  }
}

export function parseStreamReply(data: unknown): StreamReply | undefined {
  const message = data as { type?: unknown; data?: unknown; message?: unknown } | null;
  switch (message?.type) {
    case 'accept':
    case 'refuse':
      return { type: message.type };
    case 'bytes':
      return message.data instanceof Uint8Array && message.data.byteLength > 0 ? { type: 'bytes', data: message.data } : undefined;
    case 'error':
      return { type: 'error', message: typeof message.message === 'string' ? message.message.slice(0, 500) : 'unknown error' };
    default:
      return undefined;
  }
}
