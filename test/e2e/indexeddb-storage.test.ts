/**
 * The IndexedDB chunk store, used where OPFS sync access is missing, end to end: both browsers keep
 * share bytes in IndexedDB (`?storage=indexeddb`), A shares, B downloads, B's copy is read back
 * through its service worker (whole and by Range) with the right SHA-256, nothing went to OPFS, and
 * after a reload B still seeds it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { engineState, launchBrowser, openApp, randomFile, sha256ThroughServiceWorker, shareFromDisk, startServer, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';

const MiB = 1024 * 1024;

function opfsFiles(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const names: string[] = [];
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle('shares', { create: true });
    for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
    return names;
  });
}

describe('share bytes in IndexedDB', { timeout: 240_000 }, () => {
  let server: RunningServer;
  let a: LaunchedBrowser;
  let b: LaunchedBrowser;
  let file: Awaited<ReturnType<typeof randomFile>>;

  before(async () => {
    server = await startServer();
    file = await randomFile('idb.bin', 8 * MiB + 12345);
    [a, b] = await Promise.all([launchBrowser(), launchBrowser()]);
    await Promise.all([openApp(a.page, `${server.url}/?storage=indexeddb`), openApp(b.page, `${server.url}/?storage=indexeddb`)]);
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.stop();
    await file?.cleanup();
  });

  test('share, download, serve, reload and seed again, with no byte in OPFS', async () => {
    for (const page of [a.page, b.page]) assert.equal(await page.evaluate(() => (globalThis as any).shoal.store.state.storageBackend), 'indexeddb');
    const id = await shareFromDisk(a.page, file.path, 'idb.bin');
    await b.page.getByRole('button', { name: 'Download idb.bin' }).click({ timeout: 15_000 });
    await waitForState(b.page, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 60_000, 'download');
    assert.equal(await sha256ThroughServiceWorker(b.page, `/files/${id}/idb.bin`), file.sha256);
    const range = await b.page.evaluate(async (url) => {
      const response = await fetch(url, { headers: { range: 'bytes=65530-65545' } });
      return { status: response.status, length: (await response.arrayBuffer()).byteLength, contentRange: response.headers.get('content-range') };
    }, `/files/${id}/idb.bin`);
    assert.deepEqual(range, { status: 206, length: 16, contentRange: `bytes 65530-65545/${8 * MiB + 12345}` });
    assert.deepEqual(await opfsFiles(b.page), [], 'nothing in OPFS');

    await openApp(b.page, server.url); // the choice is remembered without the parameter
    await waitForState(b.page, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 15_000, 'seeding after reload');
    assert.equal(await b.page.evaluate(() => (globalThis as any).shoal.store.state.storageBackend), 'indexeddb');
    assert.equal(await sha256ThroughServiceWorker(b.page, `/files/${id}/idb.bin`), file.sha256, 'still served after a reload');
    assert.ok((await engineState(b.page)).shares.some((x) => x.id === id));
  });
});
