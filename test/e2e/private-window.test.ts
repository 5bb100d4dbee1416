/**
 * A private window keeps OPFS in memory in the browser process, where growing a file costs ~4 ms of
 * CPU per MiB. A download's file is grown to its full size when the download starts; the storage
 * worker, which also runs every upload and download of the page, must keep answering meanwhile
 * (it used to stop for the whole truncate: 1–2 s for 256 MiB here). Measured from the page: the
 * longest wait for a trivial call to the worker while a 512 MiB download is allocated, against the
 * allocation's own time; a second call meanwhile waits for it; then the file has its size and a
 * resumed allocation finds it as it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openApp, startServer, type LaunchedBrowser, type RunningServer } from './harness.js';

const MiB = 1024 * 1024;

describe('a private window', { timeout: 120_000 }, () => {
  let server: RunningServer;
  let browser: LaunchedBrowser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser({ incognito: true });
    await openApp(browser.page, server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the storage worker keeps answering while a large download is allocated', async () => {
    const result = await browser.page.evaluate(async (size) => {
      const storage = (globalThis as any).shoal.components.storage;
      const chunks = Math.ceil(size / 65536);
      const shareId = 'a'.repeat(64);
      const meta = { version: 1, name: 'big.bin', type: '', size, chunkSize: 65536, fileHash: '0'.repeat(64), chunkHashes: Array.from({ length: chunks }, () => '0'.repeat(64)) };
      let allocating = true;
      let longestWait = 0;
      let answers = 0;
      const pinging = (async () => {
        while (allocating) {
          const asked = performance.now();
          await storage.backend();
          longestWait = Math.max(longestWait, performance.now() - asked);
          answers++;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      const started = performance.now();
      // A second call while the first grows the file waits for it (the growing stream holds the file's lock).
      const [bits, meanwhile]: [Uint8Array, Uint8Array] = await Promise.all([storage.allocate(shareId, meta), storage.allocate(shareId, meta)]);
      const allocationMs = performance.now() - started;
      allocating = false;
      await pinging;
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('shares');
      const fileSize = (await (await dir.getFileHandle(`${shareId}.bin`)).getFile()).size;
      const resumed: Uint8Array = await storage.allocate(shareId, meta);
      await storage.removeShare(shareId);
      return { allocationMs, longestWait, answers, fileSize, held: [...bits, ...meanwhile, ...resumed].filter((b) => b !== 0).length, bitsLength: bits.length };
    }, 512 * MiB);
    console.log(`private window, 512 MiB allocated in ${result.allocationMs.toFixed(0)} ms; longest wait for the worker ${result.longestWait.toFixed(0)} ms over ${result.answers} calls`);
    assert.equal(await browser.page.evaluate(() => (globalThis as any).shoal.store.state.storageBackend), 'opfs');
    // Only meaningful where growing the file takes a while, as it does in a private window.
    assert.ok(result.allocationMs > 200, `the allocation took ${result.allocationMs.toFixed(0)} ms: not a private window's in-memory store?`);
    assert.ok(result.longestWait < result.allocationMs / 2, `the worker did not answer for ${result.longestWait.toFixed(0)} ms of a ${result.allocationMs.toFixed(0)} ms allocation`);
    assert.equal(result.fileSize, 512 * MiB, 'the file has its full size');
    assert.equal(result.bitsLength, 512 * 16 / 8);
    assert.equal(result.held, 0, 'a new download, a call meanwhile and its resumption hold nothing');
  });
});
