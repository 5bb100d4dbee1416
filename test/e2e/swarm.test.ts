/**
 * The swarm, end to end, on separate Chromium instances against the real server: several seeders
 * of one 64 MiB share, leechers that pull from all of them, a seeder that dies mid-transfer, a peer
 * that corrupts what it serves, and a leecher reloaded half-way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  engineState,
  launchBrowser,
  openApp,
  randomFile,
  sha256ThroughServiceWorker,
  shareFromDisk,
  startServer,
  waitForState,
  type EngineSnapshot,
  type LaunchedBrowser,
  type RunningServer,
} from './harness.js';

const NAME = 'swarm.bin';
const SIZE = 64 * 1024 * 1024;
const CHUNKS = SIZE / 65536;

describe('swarm: many peers, failures and resumption', { timeout: 600_000 }, () => {
  let server: RunningServer;
  let file: Awaited<ReturnType<typeof randomFile>>;
  let shareId: string;
  const seeders: LaunchedBrowser[] = [];
  const others: LaunchedBrowser[] = [];

  async function leecher(): Promise<LaunchedBrowser> {
    const browser = await launchBrowser();
    others.push(browser);
    await openApp(browser.page, server.url);
    return browser;
  }

  async function downloadAndVerify(browser: LaunchedBrowser, during?: (state: EngineSnapshot) => Promise<boolean>): Promise<EngineSnapshot> {
    await browser.page.getByRole('button', { name: `Download ${NAME}` }).click({ timeout: 15_000 });
    let hookDone = during === undefined;
    const deadline = Date.now() + 180_000;
    let state: EngineSnapshot;
    for (;;) {
      state = await engineState(browser.page);
      const share = state.shares.find((s) => s.id === shareId);
      if (share?.status === 'seeding') break;
      if (share?.status === 'error') throw new Error(`download failed: ${share.error}`);
      if (!hookDone) hookDone = await during!(state);
      assert.ok(Date.now() < deadline, `download did not finish: ${JSON.stringify(share)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await sha256ThroughServiceWorker(browser.page, `/files/${shareId}/${NAME}`), file.sha256, 'downloaded bytes have the SHA-256 of the original');
    return state;
  }

  const peerIdOf = async (browser: LaunchedBrowser) => (await engineState(browser.page)).selfId;
  const progress = (state: EngineSnapshot) => {
    const share = state.shares.find((s) => s.id === shareId);
    return share && share.size > 0 ? share.bytesDone / share.size : 0;
  };

  before(async () => {
    server = await startServer();
    file = await randomFile(NAME, SIZE);
    for (let i = 0; i < 3; i++) seeders.push(await launchBrowser());
    for (const seeder of seeders) await openApp(seeder.page, server.url);
    const ids = [];
    for (const seeder of seeders) ids.push(await shareFromDisk(seeder.page, file.path, NAME));
    assert.equal(new Set(ids).size, 1, 'the same file shared anywhere has the same share id');
    shareId = ids[0]!;
  });

  after(async () => {
    await Promise.all([...seeders, ...others].map((b) => b.close().catch(() => undefined)));
    await server?.stop();
    await file?.cleanup();
  });

  test('3 seeders -> 1 leecher: chunks arrive from all three, file SHA-256 correct', async () => {
    const browser = await leecher();
    const state = await downloadAndVerify(browser);
    const seederIds = await Promise.all(seeders.map(peerIdOf));
    const perSeeder = seederIds.map((id) => state.peers.find((p) => p.peerId === id)?.chunksReceived ?? 0);
    console.log(`# chunks per seeder: ${perSeeder.join(', ')} of ${CHUNKS}`);
    assert.ok(perSeeder.every((n) => n > 0), `every seeder contributed: ${perSeeder}`);
    assert.equal(perSeeder.reduce((a, b) => a + b, 0), CHUNKS, 'no chunk was stored twice');
    await browser.close(); // keep exactly three seeders for the next test
    others.splice(others.indexOf(browser), 1);
  });

  test('a seeder killed mid-transfer: the download completes from the other two', async () => {
    const browser = await leecher();
    const victim = seeders.pop()!;
    let killedAt = 0;
    await downloadAndVerify(browser, async (state) => {
      if (progress(state) < 0.25) return false;
      killedAt = progress(state);
      await victim.close();
      return true;
    });
    assert.ok(killedAt > 0 && killedAt < 1, `seeder killed at ${Math.round(killedAt * 100)}%`);
    console.log(`# seeder killed at ${Math.round(killedAt * 100)}%`);
  });

  test('a corrupt peer is caught at its first bad chunk, banned, and the download completes', async () => {
    const corrupt = await launchBrowser();
    others.push(corrupt);
    // The test turns this browser into a lying peer: every PIECE it sends has its last byte flipped.
    await corrupt.context.addInitScript(() => {
      const send = RTCDataChannel.prototype.send as (data: unknown) => void;
      RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: unknown) {
        if (data instanceof Uint8Array && data[0] === 0x05 && data.byteLength > 5) {
          const forged = new Uint8Array(data);
          forged[forged.byteLength - 1]! ^= 0xff;
          return send.call(this, forged);
        }
        return send.call(this, data);
      } as RTCDataChannel['send'];
    });
    // With the data plane on the page, where the patched send is the one that serves.
    await openApp(corrupt.page, `${server.url}/?plane=page`);
    assert.equal((await engineState(corrupt.page)).dataPlane, 'page');
    await shareFromDisk(corrupt.page, file.path, NAME);
    const corruptId = await peerIdOf(corrupt);

    const browser = await leecher();
    assert.equal((await engineState(browser.page)).dataPlane, 'worker');
    const state = await downloadAndVerify(browser);
    const liar = state.peers.find((p) => p.peerId === corruptId)!;
    assert.ok(liar, 'the corrupt peer was in the room');
    assert.equal(liar.chunksReceived, 0, 'no chunk from the corrupt peer was accepted');
    assert.equal(liar.badChunks, 1, 'caught at its first bad chunk, then not asked again');
    assert.ok(liar.failures >= 1);
  });

  test('a leecher reloaded at ~50% resumes; at most 5% of verified chunks are fetched again', async () => {
    const browser = await leecher();
    await browser.page.getByRole('button', { name: `Download ${NAME}` }).click({ timeout: 15_000 });
    await waitForState(browser.page, (s) => progress(s) >= 0.5, 120_000, '50% of the download');
    // Counted right before the reload, after the engine has published everything the data plane
    // reported; the few chunks that land between this count and the unload are not counted.
    const before = await browser.page.evaluate(async () => {
      const engine = (globalThis as unknown as { shoal: { flush: () => Promise<void>; store: { state: { peers: { chunksReceived: number }[] } } } }).shoal;
      await engine.flush();
      return engine.store.state.peers.reduce((n, p) => n + p.chunksReceived, 0);
    });
    await browser.page.reload();
    await openApp(browser.page, server.url);
    assert.ok(before > 0, 'chunks were counted before the reload');
    const done = await waitForState(browser.page, (s) => s.shares.some((x) => x.id === shareId && x.status === 'seeding'), 180_000, 'the resumed download');
    const afterReload = done.peers.reduce((n, p) => n + p.chunksReceived, 0);
    const refetched = before + afterReload - CHUNKS;
    console.log(`# reload at ${Math.round((before / CHUNKS) * 100)}%: ${before} chunks before, ${afterReload} after, ${refetched} fetched again`);
    assert.ok(afterReload < CHUNKS, 'the reloaded page did not start over');
    assert.ok(refetched <= CHUNKS * 0.05, `${refetched} chunks fetched again (limit ${CHUNKS * 0.05})`);
    assert.equal(await sha256ThroughServiceWorker(browser.page, `/files/${shareId}/${NAME}`), file.sha256);
  });
});
