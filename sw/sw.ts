/**
 * The service worker: precaches the shell (Workbox) so the app opens offline, and serves stored
 * shares at /files/<id>/<name> straight from OPFS, with Range support, as streamed responses.
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import { isSha256Hex } from '../protocol/index.js';
import { getStoredShare, openShareDb, type StoredShare } from '../workers/share-records.js';
import { shareFileName, sharesDirectory } from '../workers/storage-layout.js';
import { contentDisposition, parseRange } from './range.js';

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

export async function serveStoredFile(request: Request, url: URL): Promise<Response> {
  const [, , id = ''] = url.pathname.split('/');
  if (!isSha256Hex(id)) return textResponse(400, 'Not a share id.');
  const record = await storedShare(id);
  if (!record) return textResponse(404, 'This browser does not hold that share.');
  if (!record.complete) return textResponse(409, 'That share is still downloading.');
  let file: File;
  try {
    file = await (await (await sharesDirectory()).getFileHandle(shareFileName(id))).getFile();
  } catch {
    return textResponse(404, 'The share is listed but its data is missing from storage.');
  }
  const headers = new Headers({
    'content-type': record.meta.type || 'application/octet-stream',
    'content-disposition': contentDisposition(record.meta.name, url.searchParams.has('download')),
    'accept-ranges': 'bytes',
    'cache-control': 'no-store',
  });
  const range = parseRange(request.headers.get('range'), file.size);
  if (range === 'unsatisfiable') {
    headers.set('content-range', `bytes */${file.size}`);
    return new Response(null, { status: 416, headers });
  }
  if (range === null) {
    headers.set('content-length', String(file.size));
    return new Response(file, { status: 200, headers });
  }
  headers.set('content-range', `bytes ${range.start}-${range.end - 1}/${file.size}`);
  headers.set('content-length', String(range.end - range.start));
  // A Blob body is read from disk as the response is consumed, and reading stops if it is cancelled.
  return new Response(file.slice(range.start, range.end), { status: 206, headers });
}

// Registered before Workbox's listener, so /files/ requests never reach the precache router.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin === self.location.origin && url.pathname.startsWith('/files/') && event.request.method === 'GET') {
    event.respondWith(serveStoredFile(event.request, url));
  }
});

void self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);
