/**
 * Folder shares end to end: A shares a folder (nested paths, an empty file, files crossing chunk
 * boundaries, and an HTML file with script) through "Share a folder"; B downloads it; every file
 * read back through B's service worker has its original SHA-256, the HTML is served so it cannot run,
 * and the streamed ZIP of the whole folder unpacks (Debian's unzip) to the original files.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openApp, startServer, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';

const CHUNK = 64 * 1024;
const FILES: Record<string, Buffer> = {
  'a.txt': Buffer.from('abc'),
  'empty.txt': Buffer.alloc(0),
  'index.html': Buffer.from('<script>parent.postMessage("pwned", "*")</script>'),
  'photos/b.bin': randomBytes(CHUNK + 7),
  'photos/2024/c.bin': randomBytes(3 * CHUNK - 1),
  'photos/2024/d e#?.bin': randomBytes(5000),
};
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('folder shares', { timeout: 240_000 }, () => {
  let server: RunningServer;
  let a: LaunchedBrowser;
  let b: LaunchedBrowser;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shoal-folder-'));
    for (const [path, bytes] of Object.entries(FILES)) {
      await mkdir(dirname(join(dir, 'album', path)), { recursive: true });
      await writeFile(join(dir, 'album', path), bytes);
    }
    server = await startServer();
    [a, b] = await Promise.all([launchBrowser(), launchBrowser()]);
    await Promise.all([openApp(a.page, server.url), openApp(b.page, server.url)]);
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a folder is shared as one share, downloaded, served file by file and as a ZIP', async () => {
    await a.page.getByLabel('Share a folder').setInputFiles(join(dir, 'album'));
    const shared = a.page.locator('li[aria-label="album"][data-status="seeding"]');
    await shared.waitFor({ timeout: 30_000 });
    const shareId = (await shared.getAttribute('data-share-id'))!;
    await b.page.getByRole('button', { name: 'Download album' }).click({ timeout: 15_000 });
    await waitForState(b.page, (s) => s.shares.some((x) => x.id === shareId && x.status === 'seeding'), 60_000, 'folder download');

    const served = await b.page.evaluate(
      async ({ id, paths }) => {
        await navigator.serviceWorker.ready;
        const out: Record<string, { status: number; sha: string; type: string | null; csp: string | null }> = {};
        for (const path of paths) {
          const url = `/files/${id}/${['album', ...path.split('/')].map(encodeURIComponent).join('/')}`;
          const response = await fetch(url);
          const digest = await crypto.subtle.digest('SHA-256', await response.arrayBuffer());
          out[path] = {
            status: response.status,
            sha: [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, '0')).join(''),
            type: response.headers.get('content-type'),
            csp: response.headers.get('content-security-policy'),
          };
        }
        const missing = await fetch(`/files/${id}/album/nope.txt`);
        const escape = await fetch(`/files/${id}/album/..%2F..%2Fetc%2Fpasswd`);
        return { out, missing: missing.status, escape: escape.status };
      },
      { id: shareId, paths: Object.keys(FILES) },
    );
    for (const [path, bytes] of Object.entries(FILES)) {
      assert.equal(served.out[path]!.status, 200, path);
      assert.equal(served.out[path]!.sha, sha(bytes), `${path} has its original SHA-256`);
    }
    assert.equal(served.out['index.html']!.type, 'application/octet-stream', 'HTML from a peer is not served as HTML');
    assert.match(served.out['a.txt']!.csp ?? '', /^sandbox;/, 'stored files are sandboxed');
    assert.match(served.out['a.txt']!.csp ?? '', /frame-ancestors 'none'/, 'and no other site may frame them');
    assert.equal(served.missing, 404);
    assert.equal(served.escape, 404);

    // The ZIP, fetched through the service worker and unpacked by Debian's unzip.
    const zip = await b.page.evaluate(async (id) => {
      const response = await fetch(`/files/${id}/album.zip`);
      return { length: response.headers.get('content-length'), bytes: [...new Uint8Array(await response.arrayBuffer())] };
    }, shareId);
    const zipPath = join(dir, 'album.zip');
    await writeFile(zipPath, Buffer.from(zip.bytes));
    assert.equal(Number(zip.length), zip.bytes.length, 'Content-Length predicted exactly');
    execFileSync('unzip', ['-tq', zipPath]);
    for (const [path, bytes] of Object.entries(FILES)) {
      const unpacked = execFileSync('unzip', ['-p', zipPath, `album/${path}`.replace(/[[\]*?]/g, '\\$&')], { maxBuffer: 16 << 20 });
      assert.equal(sha(unpacked), sha(bytes), `album/${path} in the ZIP`);
    }
  });
});
