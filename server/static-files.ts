/**
 * Serves the built page from memory: the bundle is a few hundred KiB, so it is read once at start,
 * with an ETag per file so revalidation costs a 304.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** Maps url paths ("/app.js") to file contents; "/" is index.html. Source maps only when asked for. */
export function loadStaticFiles(root: string, options: { sourceMaps?: boolean } = {}): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const path of walk(root)) {
    if (extname(path) === '.map' && !options.sourceMaps) continue;
    const body = readFileSync(path);
    const urlPath = '/' + relative(root, path).split(sep).join('/');
    files.set(urlPath, {
      body,
      contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}
