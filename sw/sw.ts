/**
 * The service worker: precaches the shell (Workbox) so the app opens offline, and serves stored
 * shares straight from OPFS (or from the user's own file, for a share read from disk), with Range support, as streamed responses, at the URLs of
 * protocol/file-urls.ts: a single-file share, one file of a folder share (a slice of the share's
 * bytes), or a whole folder share as a ZIP (STORE, ZIP64), streamed. A share still downloading is
 * read through the data plane as its bytes arrive (plane-stream.ts), so a video plays before the
 * download ends. Takes files from the OS share sheet (share-target.ts).
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import { downloadZip } from 'client-zip';
import { FILES_PREFIX, parseFileUrl, placeFiles } from '../protocol/index.js';
import { getStoredShare, openShareDb, type StoredShare } from '../workers/share-records.js';
import { shareBlob } from '../workers/stored-file.js';
import { isError, SourcePermissionError } from '../workers/source-file.js';
import { contentTypeOfPath, fileSecurityHeaders, safeContentType } from './content-type.js';
import { findReader, readFromPlane, StreamStalledError } from './plane-stream.js';
import { contentDisposition, parseRange } from './range.js';
import { receiveShare, SHARE_TARGET_PATH } from './share-target.js';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

async function storedShare(id: string): Promise<StoredShare | undefined> {
  const db = await openShareDb();
  try {
    return await getStoredShare(db, id);
  } finally {
    db.close();
  }
}

/** The part of a share a URL names: the whole single file, or one file of a folder (a slice). */
interface Target {
  offset: number;
  size: number;
  name: string;
  type: string;
}

/**
 * Headers for `target` served whole or by Range: the status and the share's byte range to send, or
 * a 416 response.
 */
function rangeOf(request: Request, target: Target, headers: Headers): { status: 200 | 206; start: number; end: number } | Response {
  headers.set('accept-ranges', 'bytes');
  const range = parseRange(request.headers.get('range'), target.size);
  if (range === 'unsatisfiable') {
    headers.set('content-range', `bytes */${target.size}`);
    return new Response(null, { status: 416, headers });
  }
  const { start, end } = range ?? { start: 0, end: target.size };
  headers.set('content-length', String(end - start));
  if (range) headers.set('content-range', `bytes ${start}-${end - 1}/${target.size}`);
  return { status: range ? 206 : 200, start: target.offset + start, end: target.offset + end };
}

/**
 * A share still downloading: its bytes come from the data plane of the window that downloads it,
 * as they are stored; the chunks just ahead of this reader are fetched first.
 */
async function serveFromPlane(request: Request, id: string, target: Target, headers: Headers): Promise<Response> {
  const range = rangeOf(request, target, headers);
  if (range instanceof Response) return range;
  if (range.start === range.end) return new Response(null, { status: range.status, headers });
  const windows = await self.clients.matchAll({ type: 'window' });
  const port = await findReader(id, windows);
  if (!port) return textResponse(409, 'That share is still downloading, and no open Shoal window is downloading it.');
  try {
    return new Response(await readFromPlane(port, range.start, range.end), { status: range.status, headers });
  } catch (error) {
    if (error instanceof StreamStalledError) return textResponse(504, `That part of the share is still downloading: ${error.message}.`);
    return textResponse(409, `That share cannot be read now: ${(error as Error).message}.`);
  }
}

export async function serveStoredFile(request: Request, url: URL): Promise<Response> {
  const parsed = parseFileUrl(url);
  if (!parsed.ok) return textResponse(400, parsed.reason === 'not-a-share-id' ? 'Not a share id.' : 'Malformed file path.');
  const { id, path: wanted, download } = parsed;
  const record = await storedShare(id);
  if (!record) return textResponse(404, 'This browser does not hold that share.');
  const { meta } = record;
  const headers = new Headers({ 'cache-control': 'no-store' });
  let target: Target;
  if (!meta.files) {
    target = { offset: 0, size: meta.size, name: meta.name, type: safeContentType(meta.type) };
  } else if (wanted === `${meta.name}.zip`) {
    if (!record.complete) return textResponse(409, 'A folder share is offered as a ZIP once it has downloaded; its files open one by one meanwhile.');
    return zipResponse(record, headers);
  } else {
    const file = placeFiles(meta).find((f) => `${meta.name}/${f.path}` === wanted);
    if (!file) return textResponse(404, 'That folder share has no such file.');
    target = { offset: file.offset, size: file.size, name: file.path.slice(file.path.lastIndexOf('/') + 1), type: contentTypeOfPath(file.path) };
  }
  headers.set('content-type', target.type);
  for (const [name, value] of Object.entries(fileSecurityHeaders(target.type))) headers.set(name, value);
  headers.set('content-disposition', contentDisposition(target.name, download));
  if (!record.complete) return serveFromPlane(request, id, target, headers);
  const share = await readShare(record);
  if (share instanceof Response) return share;
  const range = rangeOf(request, target, headers);
  if (range instanceof Response) return range;
  // A Blob body is read from disk as the response is consumed, and reading stops if it is cancelled.
  return new Response(share.slice(range.start, range.end), { status: range.status, headers });
}

/** A complete share's bytes, or the response that says why they cannot be read. */
async function readShare(record: StoredShare): Promise<Blob | Response> {
  let share: Blob | undefined;
  try {
    share = await shareBlob(record);
  } catch (error) {
    const { message } = error as Error;
    if (isError(error, SourcePermissionError)) return textResponse(403, `${message}: open Shoal and press Allow reading.`);
    return textResponse(409, `${message}, so Shoal does not serve it as this share.`);
  }
  if (!share || share.size !== record.meta.size) return textResponse(404, 'The share is listed but its data is missing from storage.');
  return share;
}

/** A whole folder share as a ZIP: entries are slices of the stored share, produced as it is read. */
async function zipResponse(record: StoredShare, headers: Headers): Promise<Response> {
  const { meta } = record;
  const share = await readShare(record);
  if (share instanceof Response) return share;
  const entries = placeFiles(meta).map((f) => ({ name: `${meta.name}/${f.path}`, input: share.slice(f.offset, f.offset + f.size), size: f.size, lastModified: new Date(record.addedAt) }));
  const zip = downloadZip(entries, { metadata: entries });
  headers.set('content-type', 'application/zip');
  for (const [name, value] of Object.entries(fileSecurityHeaders('application/zip'))) headers.set(name, value);
  headers.set('content-disposition', contentDisposition(`${meta.name}.zip`, true));
  const length = zip.headers.get('content-length');
  if (length) headers.set('content-length', length);
  return new Response(zip.body, { status: 200, headers });
}

// Registered before Workbox's listener, so /files/ requests never reach the precache router.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(FILES_PREFIX) && event.request.method === 'GET') event.respondWith(serveStoredFile(event.request, url));
  else if (url.pathname === SHARE_TARGET_PATH && event.request.method === 'POST') event.respondWith(receiveShare(event.request));
});

// A new build waits until the page says the user accepted it (web/pwa/app-updates.ts); the first
// one, with no worker before it, activates at once and takes the open page.
self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
clientsClaim();
cleanupOutdatedCaches();
// Every precached file is static: the app's own parameters (?room=, ?plane=) must not keep a
// navigation from the precached shell when offline.
precacheAndRoute(self.__WB_MANIFEST, { ignoreURLParametersMatching: [/.*/] });
