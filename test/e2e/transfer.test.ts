/**
 * The walking skeleton end to end: two separate Chromium instances against the real server. A shares
 * an 8 MiB random file through the UI; B downloads it through the UI; B's stored bytes (read back
 * through the service worker) have the file's SHA-256. Then the same with both peers forced through
 * the TURN relay (iceTransportPolicy "relay"), and from a seeder whose data plane stays on the page
 * to one whose plane runs in the storage worker (the default); then a removed share must not come
 * back on reload.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { engineState, launchBrowser, openApp, randomFile, sha256ThroughServiceWorker, showView, startServer, type LaunchedBrowser, type RunningServer } from './harness.js';

const FILE_SIZE = 8 * 1024 * 1024;

async function transfer(a: Page, b: Page, name: string): Promise<{ ms: number; fileHash: string }> {
  const bytes = randomBytes(FILE_SIZE);
  const fileHash = createHash('sha256').update(bytes).digest('hex');
  for (const page of [a, b]) if (!page.url().endsWith('#/files')) await showView(page, 'Files');
  await a.getByLabel('Share files').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: bytes });
  const shared = a.locator(`li[aria-label="${name}"][data-status="seeding"]`);
  await shared.waitFor({ timeout: 30_000 });
  assert.match(await shared.innerText(), new RegExp(`SHA-256 ${fileHash}`), 'A shows the file SHA-256 its worker computed');

  const started = performance.now();
  await b.getByRole('button', { name: `Download ${name}` }).click({ timeout: 15_000 });
  const downloaded = b.locator(`li[aria-label="${name}"][data-status="seeding"]`);
  await downloaded.waitFor({ timeout: 60_000 });
  const ms = performance.now() - started;

  const shareId = await downloaded.getAttribute('data-share-id');
  assert.ok(shareId);
  const fileUrl = `/files/${shareId}/${encodeURIComponent(name)}`;
  const received = await sha256ThroughServiceWorker(b, fileUrl);
  assert.equal(received, fileHash, "B's stored bytes hash to the original file's SHA-256");
  // A just served every chunk from its storage worker; its service worker still reads the file.
  assert.equal(await sha256ThroughServiceWorker(a, fileUrl), fileHash, "A's seeded copy stays readable");
  return { ms, fileHash };
}

async function candidateTypes(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const engine = (globalThis as unknown as { shoal: { connectionStats(): Promise<Record<string, { localCandidateType?: string }>> } }).shoal;
    return Object.values(await engine.connectionStats()).map((s) => s.localCandidateType ?? 'unknown');
  });
}

describe('walking skeleton: share in one browser, download in another', { timeout: 240_000 }, () => {
  let server: RunningServer;
  let browserA: LaunchedBrowser;
  let browserB: LaunchedBrowser;

  before(async () => {
    server = await startServer();
    [browserA, browserB] = await Promise.all([launchBrowser(), launchBrowser()]);
  });

  after(async () => {
    await Promise.all([browserA?.close(), browserB?.close()]);
    await server?.stop();
  });

  test('8 MiB over a direct WebRTC connection, verified by SHA-256', async () => {
    await openApp(browserA.page, server.url);
    await openApp(browserB.page, server.url);
    // The Network view lists A in its table (and draws it in the graph).
    await showView(browserB.page, 'Network');
    const peerName = await browserA.page.evaluate(() => (globalThis as any).shoal.store.state.selfName as string);
    await browserB.page.getByRole('table', { name: 'Peers (1)' }).getByRole('row', { name: new RegExp(`^${peerName} `) }).waitFor({ timeout: 10_000 });
    await browserB.page.getByRole('button', { name: new RegExp(`^${peerName}: `) }).waitFor();
    for (const page of [browserA.page, browserB.page]) assert.equal((await engineState(page)).dataPlane, 'worker', 'Chromium moves data channels into the storage worker');
    const { ms, fileHash } = await transfer(browserA.page, browserB.page, 'direct.bin');
    const types = await candidateTypes(browserB.page);
    assert.ok(types.length > 0 && !types.includes('relay'), `direct path expected, got ${types.join(',')}`);

    const [download] = await Promise.all([
      browserB.page.waitForEvent('download'),
      browserB.page.locator('li[aria-label="direct.bin"]').getByRole('link', { name: 'Save' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'direct.bin');
    const saved = await readFile((await download.path())!);
    assert.equal(saved.length, FILE_SIZE);
    assert.equal(createHash('sha256').update(saved).digest('hex'), fileHash, 'the Save button delivers the verified bytes');
    console.log(`# e2e direct 8 MiB transfer: ${Math.round(ms)} ms (${(FILE_SIZE / 2 ** 20 / (ms / 1000)).toFixed(1)} MiB/s)`);
  });

  test('the dashboard counts the peers and draws the speed chart, loading chart.js only then', async () => {
    const page = browserB.page;
    const chunks: string[] = [];
    page.on('request', (request) => request.url().includes('/chunks/') && chunks.push(request.url()));
    await openApp(page, `${server.url}/#/dashboard`);
    const chart = page.getByRole('img', { name: 'Upload and download speed, last 10 minutes' });
    await chart.waitFor({ timeout: 10_000 });
    for (const deadline = Date.now() + 10_000; Number(await chart.getAttribute('data-points')) < 2 && Date.now() < deadline; ) await page.waitForTimeout(250);
    assert.ok(Number(await chart.getAttribute('data-points')) >= 2, 'a sample a second reaches the chart');
    assert.ok(chunks.length > 0, 'chart.js came as a chunk of its own');
    const { peers } = await engineState(page);
    await page.getByText(new RegExp(`^\\d+ of ${peers.length}$`)).waitFor({ timeout: 10_000 });
    // Connection quality: the seeder is listed, not connected since the reload; system health: the server is ok.
    const quality = page.getByRole('table', { name: 'Connection quality' });
    await quality.getByRole('row', { name: `${peers[0]!.name} — — 0` }).waitFor({ timeout: 10_000 });
    const health = page.getByRole('table', { name: 'System health' });
    await health.getByRole('row', { name: 'Server ok' }).waitFor({ timeout: 10_000 });
    await health.getByRole('row', { name: 'Data plane storage worker' }).waitFor();
  });

  test('8 MiB relayed through the TURN server (iceTransportPolicy relay)', async () => {
    const [pageA, pageB] = await Promise.all([browserA.context.newPage(), browserB.context.newPage()]);
    await Promise.all([browserA.page.close(), browserB.page.close()]);
    await openApp(pageA, `${server.url}/?relay=1`);
    await openApp(pageB, `${server.url}/?relay=1`);
    const { ms } = await transfer(pageA, pageB, 'relayed.bin');
    const types = await candidateTypes(pageB);
    assert.ok(types.length > 0 && types.every((t) => t === 'relay'), `relay path expected, got ${types.join(',')}`);
    console.log(`# e2e relayed 8 MiB transfer: ${Math.round(ms)} ms (${(FILE_SIZE / 2 ** 20 / (ms / 1000)).toFixed(1)} MiB/s)`);
  });

  test('8 MiB from a seeder whose data plane stays on the page (?plane=page, as without transferable channels)', async () => {
    const [pageA, pageB] = await Promise.all([browserA.context.newPage(), browserB.context.newPage()]);
    await Promise.all(browserA.context.pages().filter((p) => p !== pageA).map((p) => p.close()));
    await Promise.all(browserB.context.pages().filter((p) => p !== pageB).map((p) => p.close()));
    await openApp(pageA, `${server.url}/?plane=page`);
    await openApp(pageB, server.url);
    assert.equal((await engineState(pageA)).dataPlane, 'page');
    assert.equal((await engineState(pageB)).dataPlane, 'worker');
    const { ms } = await transfer(pageA, pageB, 'from-page.bin');
    console.log(`# e2e 8 MiB transfer, page plane to worker plane: ${Math.round(ms)} ms (${(FILE_SIZE / 2 ** 20 / (ms / 1000)).toFixed(1)} MiB/s)`);
  });

  test('relay only switched on at run time, with no reload: the connection is made again, through the relay', async () => {
    const [pageA, pageB] = [browserA.context.pages().at(-1)!, browserB.context.pages().at(-1)!];
    await pageB.evaluate(() => ((globalThis as { stillThisPage?: boolean }).stillThisPage = true));
    await showView(pageB, 'Settings');
    await pageB.getByRole('checkbox', { name: 'Relay only' }).check();
    await pageB.waitForFunction(() => (globalThis as any).shoal.store.state.forceRelay === true);
    const { ms } = await transfer(pageA, pageB, 'relay-at-run-time.bin');
    const types = await candidateTypes(pageB);
    assert.ok(types.length > 0 && types.every((t) => t === 'relay'), `relay path expected, got ${types.join(',')}`);
    assert.equal(await pageB.evaluate(() => (globalThis as { stillThisPage?: boolean }).stillThisPage), true, 'the page was not reloaded');
    const seederName = await pageA.evaluate(() => (globalThis as any).shoal.store.state.selfName as string);
    await showView(pageB, 'Dashboard');
    const quality = pageB.getByRole('table', { name: 'Connection quality' });
    await quality.getByRole('row', { name: new RegExp(`^${seederName} relayed \\d+ ms \\d+$`) }).waitFor({ timeout: 10_000 });
    await showView(pageB, 'Settings');
    await pageB.getByRole('checkbox', { name: 'Relay only' }).uncheck();
    console.log(`# e2e 8 MiB after switching to relay only: ${Math.round(ms)} ms`);
  });

  test('sharing a file can be cancelled while it hashes: nothing is stored or announced', async () => {
    const page = browserB.context.pages().at(-1)!;
    const file = await randomFile('cancelled.bin', 512 * 1024 * 1024);
    try {
      await showView(page, 'Files');
      await page.getByLabel('Share files').setInputFiles(file.path);
      const hashing = page.locator('li[aria-label="cancelled.bin"][data-status="hashing"]');
      await hashing.waitFor({ timeout: 15_000 });
      await page.getByRole('button', { name: 'Cancel sharing cancelled.bin' }).click();
      await page.locator('li[aria-label="cancelled.bin"]').waitFor({ state: 'detached', timeout: 15_000 });
      // The copy into storage stopped and was deleted; no share record was made, nobody heard of it.
      const leftovers = await page.evaluate(async () => {
        const names: string[] = [];
        for await (const name of (await (await navigator.storage.getDirectory()).getDirectoryHandle('shares', { create: true })).keys()) names.push(name);
        return names.filter((n) => n.startsWith('import-'));
      });
      assert.deepEqual(leftovers, [], 'no import file left in OPFS');
      assert.ok(!(await engineState(page)).shares.some((s) => s.name === 'cancelled.bin'));
      await openApp(page, server.url);
      assert.ok(!(await engineState(page)).shares.some((s) => s.name === 'cancelled.bin'), 'not back after a reload');
      assert.ok(!(await engineState(browserA.context.pages().at(-1)!)).roomFiles.some((f) => f.name === 'cancelled.bin'), 'never announced');
    } finally {
      await file.cleanup();
    }
  });

  test('a removed share stays removed when the page reloads the moment it leaves the list', async () => {
    const page = browserB.context.pages().at(-1)!;
    await page.getByRole('button', { name: 'Remove from-page.bin' }).click();
    await page.locator('li[aria-label="from-page.bin"]').waitFor({ state: 'detached', timeout: 15_000 });
    await openApp(page, server.url);
    await page.locator('li[aria-label="direct.bin"][data-status="seeding"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('li[aria-label="from-page.bin"]').count(), 0, 'the removed share is not listed again');
    assert.ok(!(await engineState(page)).shares.some((s) => s.name === 'from-page.bin'), 'nor is it in the engine state');
  });
});
