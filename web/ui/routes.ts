/**
 * Hash routes: each view has a link (`#/files`) and Back works. `#/s/<share id>` is a share link:
 * it opens the Files view and downloads that share once someone in the room offers it. Anything
 * else is the user's default view. The room stays in the query (`?room=`), beside the route.
 */
import { VIEWS, type View } from '../settings.js';
import { roomFromInput } from './room-code.js';

export type Route = { view: View; shareId?: undefined } | { view: 'files'; shareId: string };

const SHARE_ID = /^[0-9a-f]{64}$/;

export function parseRoute(hash: string, fallback: View): Route {
  const path = hash.replace(/^#\/?/, '');
  const share = /^s\/([^/?#]+)$/.exec(path);
  if (share) {
    const id = share[1]!.toLowerCase();
    return SHARE_ID.test(id) ? { view: 'files', shareId: id } : { view: fallback };
  }
  return VIEWS.includes(path as View) ? { view: path as View } : { view: fallback };
}

export const viewHref = (view: View): string => `#/${view}`;

/**
 * The link that downloads one share: this page's origin, the share's route, and the room it is
 * offered in (`room`; by default the page's own; null: the room of the network, which has no code).
 */
export function shareLink(pageHref: string, shareId: string, room?: string | null): string {
  const url = new URL(pageHref);
  room = room === undefined ? url.searchParams.get('room') : room;
  url.search = room ? `?room=${encodeURIComponent(room)}` : '';
  url.hash = `#/s/${shareId}`;
  return url.href;
}

/**
 * A share link in any of its forms: this app's `…/?room=CODE#/s/<id>` (from any origin: the
 * share id, not the host, names the content), or the protocol handler's `web+shoal:s/<id>?room=CODE`
 * (also `web+shoal://s/…`). Undefined when it is neither.
 */
export function parseShoalLink(text: string): { shareId: string; room: string | undefined } | undefined {
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
  return { shareId: parsed.shareId, room: room ?? undefined };
}

export const VIEW_LABELS: Record<View, string> = {
  dashboard: 'Dashboard',
  network: 'Network',
  transfers: 'Transfers',
  files: 'Files',
  settings: 'Settings',
};
