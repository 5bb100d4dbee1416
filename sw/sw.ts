/**
 * The service worker: precaches the shell (Workbox) so the app opens offline, and serves stored
 * shares straight from OPFS, with Range support, as streamed responses, at the URLs of
 * protocol/file-urls.ts: a single-file share, one file of a folder share (a slice of the share's
 * bytes), or a whole folder share as a ZIP (STORE, ZIP64), streamed; and takes files from the OS
 * share sheet (share-target.ts).
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import { downloadZip } from 'client-zip';
import { FILES_PREFIX, parseFileUrl, placeFiles } from '../protocol/index.js';
import { getStoredShare, openShareDb, type StoredShare } from '../workers/share-records.js';
import { storedFileBlob } from '../workers/stored-file.js';
import { shareFileName } from '../workers/storage-layout.js';
import { contentTypeOfPath, fileSecurityHeaders, safeContentType } from './content-type.js';
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

/** Serves `body` (a Blob read lazily from disk) whole or by Range. */
function blobResponse(request: Request, body: Blob, headers: Headers): Response {
  headers.set('accept-ranges', 'bytes');
  const range = parseRange(request.headers.get('range'), body.size);
  if (range === 'unsatisfiable') {
    headers.set('content-range', `bytes */${body.size}`);
    return new Response(null, { status: 416, headers });
  }
  if (range === null) {
    headers.set('content-length', String(body.size));
    return new Response(body, { status: 200, headers });
  }
  headers.set('content-range', `bytes ${range.start}-${range.end - 1}/${body.size}`);
  headers.set('content-length', String(range.end - range.start));
  // A Blob body is read from disk as the response is consumed, and reading stops if it is cancelled.
  return new Response(body.slice(range.start, range.end), { status: 206, headers });
}

export async function serveStoredFile(request: Request, url: URL): Promise<Response> {
  const parsed = parseFileUrl(url);
  if (!parsed.ok) return textResponse(400, parsed.reason === 'not-a-share-id' ? 'Not a share id.' : 'Malformed file path.');
  const { id, path: wanted, download } = parsed;
  const record = await storedShare(id);
  if (!record) return textResponse(404, 'This browser does not hold that share.');
  if (!record.complete) return textResponse(409, 'That share is still downloading.');
  const share = await storedFileBlob(shareFileName(id)).catch(() => undefined);
  if (!share || share.size !== record.meta.size) return textResponse(404, 'The share is listed but its data is missing from storage.');
  const { meta } = record;
  const headers = new Headers({ 'cache-control': 'no-store' });
  const typed = (type: string) => {
    headers.set('content-type', type);
    for (const [name, value] of Object.entries(fileSecurityHeaders(type))) headers.set(name, value);
  };
  if (!meta.files) {
    typed(safeContentType(meta.type));
    headers.set('content-disposition', contentDisposition(meta.name, download));
    return blobResponse(request, share, headers);
  }
  const files = placeFiles(meta);
  if (wanted === `${meta.name}.zip`) {
    // Entries are slices of the stored share: the ZIP is produced as it is read, never held whole.
    const entries = files.map((f) => ({ name: `${meta.name}/${f.path}`, input: share.slice(f.offset, f.offset + f.size), size: f.size, lastModified: new Date(record.addedAt) }));
    const zip = downloadZip(entries, { metadata: entries });
    typed('application/zip');
    headers.set('content-disposition', contentDisposition(`${meta.name}.zip`, true));
    const length = zip.headers.get('content-length');
    if (length) headers.set('content-length', length);
    return new Response(zip.body, { status: 200, headers });
  }
  const file = files.find((f) => `${meta.name}/${f.path}` === wanted);
  if (!file) return textResponse(404, 'That folder share has no such file.');
  typed(contentTypeOfPath(file.path));
  headers.set('content-disposition', contentDisposition(file.path.slice(file.path.lastIndexOf('/') + 1), download));
  return blobResponse(request, share.slice(file.offset, file.offset + file.size), headers);
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
