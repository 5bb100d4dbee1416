/**
 * Hash routes: each view has a link (`#/files`) and Back works. `#/s/<share id>` is a share link:
 * it opens the Files view and downloads that share once someone in the room offers it;
 * `#/p/<share id>.<secret>` is a private share's link (spec §11), whose secret never leaves the
 * fragment. Anything else is the user's default view. The room stays in the query (`?room=`).
 */
import { parsePrivateFragment } from '../../protocol/private-share.js';
import { VIEWS, type View } from '../settings.js';
import { roomFromInput } from './room-code.js';

export type Route =
  | { view: View; shareId?: undefined; secret?: undefined; linkError?: undefined }
  | { view: 'files'; shareId: string; secret?: string; linkError?: undefined }
  /** A private link that does not parse: the Files view, and why. */
  | { view: 'files'; shareId?: undefined; secret?: undefined; linkError: string };

const SHARE_ID = /^[0-9a-f]{64}$/;

export function parseRoute(hash: string, fallback: View): Route {
  const path = hash.replace(/^#\/?/, '');
  const share = /^s\/([^/?#]+)$/.exec(path);
  if (share) {
    const id = share[1]!.toLowerCase();
    return SHARE_ID.test(id) ? { view: 'files', shareId: id } : { view: fallback };
  }
  if (path.startsWith('p/')) {
    try {
      const { shareId, secret } = parsePrivateFragment(path.slice(2));
      return { view: 'files', shareId, secret };
    } catch (error) {
      return { view: 'files', linkError: `That private link is broken: ${(error as Error).message}. Ask for the link again.` };
    }
  }
  return VIEWS.includes(path as View) ? { view: path as View } : { view: fallback };
}

export const viewHref = (view: View): string => `#/${view}`;

/**
 * The link that downloads one share: this page's origin, the share's route, and the room it is
 * offered in (`room`; by default the page's own; null: the room of the network, which has no code).
 */
export function shareLink(pageHref: string, shareId: string, room?: string | null, secret?: string): string {
  const url = new URL(pageHref);
  room = room === undefined ? url.searchParams.get('room') : room;
  url.search = room ? `?room=${encodeURIComponent(room)}` : '';
  url.hash = secret === undefined ? `#/s/${shareId}` : `#/p/${shareId}.${secret}`;
  return url.href;
}

/**
 * A share link in any of its forms: this app's `…/?room=CODE#/s/<id>` (from any origin: the
 * share id, not the host, names the content), or the protocol handler's `web+shoal:s/<id>?room=CODE`
 * (also `web+shoal://s/…`). Undefined when it is neither.
 */
export function parseShoalLink(text: string): { shareId: string; room: string | undefined; secret?: string } | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  let route: string;
  if (url.protocol === 'web+shoal:') route = `#/${`${url.host}${url.pathname}`.replace(/^\/+/, '')}`;
  else if (url.protocol === 'https:' || url.protocol === 'http:') route = url.hash;
  else return undefined;
  const parsed = parseRoute(route, 'files');
  if (!parsed.shareId) return undefined;
  const room = url.searchParams.get('room');
  if (room !== null && roomFromInput(room) === undefined) return undefined;
  return { shareId: parsed.shareId, room: room ?? undefined, ...(parsed.secret !== undefined ? { secret: parsed.secret } : {}) };
}

export const VIEW_LABELS: Record<View, string> = {
  dashboard: 'Dashboard',
  network: 'Network',
  transfers: 'Transfers',
  files: 'Files',
  settings: 'Settings',
};
