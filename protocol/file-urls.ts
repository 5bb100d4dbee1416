/**
 * The `/files/` URLs under which the service worker serves stored shares: the page builds them, the
 * service worker parses them, both through this module.
 *   /files/<id>/<name>               a single-file share
 *   /files/<id>/<folder>/<path>      one file of a folder share
 *   /files/<id>/<folder>.zip         a whole folder share as a ZIP
 * Every path segment is percent-encoded; `?download` asks for an attachment instead of inline.
 */
import { isSha256Hex } from './hex.js';

export const FILES_PREFIX = '/files/';

/** The URL of a single-file share, or of a folder share as a ZIP. */
export function shareFileUrl(share: { id: string; name: string; files?: unknown }): string {
  return `${FILES_PREFIX}${share.id}/${encodeURIComponent(share.files ? `${share.name}.zip` : share.name)}`;
}

/** The URL of one file (`path`, slash-separated) of a folder share. */
export function folderFileUrl(share: { id: string; name: string }, path: string): string {
  return `${FILES_PREFIX}${share.id}/${[share.name, ...path.split('/')].map(encodeURIComponent).join('/')}`;
}

export type ParsedFileUrl =
  | { ok: true; id: string; /** The decoded path after the id: a name, `<folder>/<path>` or `<folder>.zip`. */ path: string; download: boolean }
  | { ok: false; reason: 'not-a-share-id' | 'malformed-path' };

/** Parses a `/files/` URL (the caller has checked the prefix). */
export function parseFileUrl(url: URL): ParsedFileUrl {
  const [id = '', ...rest] = url.pathname.slice(FILES_PREFIX.length).split('/');
  if (!isSha256Hex(id)) return { ok: false, reason: 'not-a-share-id' };
  try {
    return { ok: true, id, path: rest.map(decodeURIComponent).join('/'), download: url.searchParams.has('download') };
  } catch {
    return { ok: false, reason: 'malformed-path' };
  }
}
