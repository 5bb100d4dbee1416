/**
 * A man in the middle (spec §11.3): a malicious server (test/e2e/mitm-proxy.ts, in front of the real
 * one) hands the offers, answers and candidates between a seeder A and a downloader B to a third
 * Chromium (test/e2e/mitm.js), which terminates DTLS with each in the other's name and relays every
 * data-channel message. A public share downloads through him (the attack works without private
 * shares: he reads every byte); for a private share both honest ends detect him, refuse, say why,
 * and no byte of the share is stored.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { engineState, launchBrowser, openApp, shareFromDisk, showView, startServer, testFiles, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';
import { startMitmProxy, type MitmProxy } from './mitm-proxy.js';

type Stats = { relayed: number; channels: number };
const ROOM = 'mitmroom1';

describe('a server in the middle', { timeout: 150_000 }, () => {
  let server: RunningServer;
  let proxy: MitmProxy;
  let seeder: LaunchedBrowser;
  let downloader: LaunchedBrowser;
  let middle: LaunchedBrowser;
  const { file, cleanup } = testFiles();
  const mitmStats = (): Promise<Stats> => middle.page.evaluate(() => (globalThis as unknown as { mitm: { stats: Stats } }).mitm.stats);
  const notice = async (browser: LaunchedBrowser): Promise<string> => ((await engineState(browser.page)) as unknown as { notice?: string }).notice ?? '';

  before(async () => {
    server = await startServer();
    proxy = await startMitmProxy(server);
    [seeder, downloader, middle] = await Promise.all([launchBrowser(), launchBrowser(), launchBrowser()]);
    await Promise.all([openApp(seeder.page, `${proxy.url}/?room=${ROOM}`), openApp(downloader.page, `${proxy.url}/?room=${ROOM}`)]);
    // "Signaling open" shows when the socket opens; the id comes with the welcome after it. Without
    // it the pair to divert would be (undefined, b): their signals passed him and they met directly.
    const idOf = async (page: typeof seeder.page) => (await waitForState(page, (s) => !!s.selfId, 15_000, 'the welcome')).selfId!;
    const [a, b] = [await idOf(seeder.page), await idOf(downloader.page)];
    // The middle: a page on the real server's origin (a secure context), running mitm.js.
    await middle.page.goto(`${server.url}/api/health`);
    await middle.page.exposeFunction('mitmOut', (side: 'A' | 'B', message: Record<string, unknown> & { type: string }) => (side === 'A' ? proxy.deliver(a, b, message) : proxy.deliver(b, a, message)));
    await middle.page.evaluate(await readFile(new URL('./mitm.js', import.meta.url), 'utf8')); // evaluated, so the page's CSP does not apply
    let chain = Promise.resolve();
    proxy.intercept(a, b, (from, _to, message) => {
      const side = from === a ? 'fromA' : 'fromB';
      chain = chain.then(() => middle.page.evaluate(([s, m]) => (globalThis as unknown as { mitm: Record<string, (m: unknown) => Promise<void>> }).mitm[s]!(m), [side, message] as const)).catch((error: Error) => console.log(`mitm: ${error.message}`));
    });
  });
  after(async () => {
    await Promise.all([seeder?.close(), downloader?.close(), middle?.close()]);
    await proxy?.stop();
    await server?.stop();
    await cleanup();
  });

  test('a public share downloads through him: he relays (and could read) every byte', async () => {
    const shared = await file('public-through-mitm.bin', 2 * 1024 * 1024);
    const id = await shareFromDisk(seeder.page, shared.path, 'public-through-mitm.bin');
    await showView(downloader.page, 'Files');
    await downloader.page.getByRole('button', { name: 'Download public-through-mitm.bin' }).click({ timeout: 15_000 });
    const done = await waitForState(downloader.page, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 60_000, 'the download through the middle');
    assert.equal(done.shares.find((x) => x.id === id)!.fileHash, shared.sha256);
    const stats = await mitmStats();
    console.log(`# public share through the middle: ${stats.relayed} bytes relayed on ${stats.channels} channel(s)`);
    assert.ok(stats.channels >= 1 && stats.relayed > 2 * 1024 * 1024, `every byte went through him (${stats.relayed} bytes relayed on ${stats.channels} channels)`);
  });

  test('a private share: both ends detect him, refuse, say why, and store no byte of it', async () => {
    const shared = await file('private-vs-mitm.bin', 1024 * 1024);
    await showView(seeder.page, 'Files');
    await seeder.page.getByRole('checkbox', { name: /Private: only people with its link/ }).check();
    const id = await shareFromDisk(seeder.page, shared.path, 'private-vs-mitm.bin');
    const link = (await seeder.page.locator(`li[data-share-id="${id}"] details.qr a`).getAttribute('href'))!;
    const before = (await mitmStats()).relayed;
    const chunksBefore = (await engineState(downloader.page)).peers.reduce((n, p) => n + p.chunksReceived, 0);

    await downloader.page.goto(link);
    const intercepted = /this connection was intercepted/;
    await waitForNotice(downloader, intercepted, 'the downloader to detect him');
    await waitForNotice(seeder, intercepted, 'the seeder to detect him');
    assert.match(await notice(downloader), /^Stopped using .+: this connection was intercepted/);
    assert.match(await notice(seeder), /asked for your private share private-vs-mitm\.bin and was refused: this connection was intercepted/);

    const state = await engineState(downloader.page);
    const share = state.shares.find((x) => x.id === id);
    assert.equal(share?.bytesDone ?? 0, 0, 'no byte of it stored');
    assert.equal(state.peers.reduce((n, p) => n + p.chunksReceived, 0), chunksBefore, 'no chunk received from anyone');
    const relayed = (await mitmStats()).relayed - before;
    console.log(`# private share through the middle: ${relayed} bytes relayed; downloader: ${await notice(downloader)}; seeder: ${await notice(seeder)}`);
    assert.ok(relayed < 1024, `only the proof frames passed him (${relayed} bytes), no metadata, no piece`);
  });

  async function waitForNotice(browser: LaunchedBrowser, pattern: RegExp, what: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!pattern.test(await notice(browser))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: the notice says ${JSON.stringify(await notice(browser))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});
