/**
 * The installed-app side, end to end with Debian's Chromium:
 * - the manifest is complete and Chromium finds nothing in the way of installing
 *   (`Page.getInstallabilityErrors` empty);
 * - a link handed over by the OS (the web+shoal: protocol handler's `/?link=…`) opens the room and
 *   downloads exactly that share; a link that is not a share link is refused in words;
 * - installed (the DevTools PWA domain), the app opens in its own window; a link launched while
 *   it runs reaches that window (launch_handler focus-existing, the launchQueue consumer) and
 *   its share downloads there, with still one window;
 * - the OS share sheet: a real multipart POST to /share-target with two files (one of 64 MiB) leaves
 *   both seeding with the right SHA-256, and another browser downloads them; a shared text that is
 *   not a Shoal link is told so;
 * - "Open with Shoal" (the manifest's file_handlers, launched through the PWA domain as the OS does):
 *   the installed app shares the file by its handle (no copy) and another browser downloads it;
 * - offline: with no network the app opens from its precache (in a private room's URL too), lists
 *   stored and unfinished shares, serves a completed file whose bytes hash right, shows signaling
 *   offline; back online it reconnects and the unfinished download completes by itself;
 * - updates: build 1 is served and loaded, build 2 is built into the same place; the app says a new
 *   version is ready and does not reload by itself; accepting activates build 2.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { answerRoomQuestion, engineState, freeTcpPort, launchBrowser, newPrivateRoom, openApp, randomFile, sha256ThroughServiceWorker, shareFromDisk, showView, startServer, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';

const run = promisify(execFile);

/** Builds the app into `dir` (as `npm run build` does into dist/). */
const build = (dir: string) => run(process.execPath, ['esbuild.config.mjs', '--out', dir], { env: { ...process.env, NODE_ENV: 'production' } });

/**
 * Installs the app in `browser` as from the address bar's install button, opening in its own window:
 * the DevTools protocol's PWA domain is what a user's clicks are here (it needs Playwright's pipe).
 */
async function installApp(browser: LaunchedBrowser, serverUrl: string) {
  const cdp = await browser.context.browser()!.newBrowserCDPSession();
  const manifest = (await (await fetch(`${serverUrl}/manifest.webmanifest`)).json()) as { id: string };
  const manifestId = new URL(manifest.id, serverUrl).href;
  const send = (method: string, params: object) => cdp.send(method as 'Browser.getVersion', params as never) as Promise<{ targetId?: string; targetIds?: string[] }>;
  await send('PWA.install', { manifestId, installUrlOrBundleUrl: `${serverUrl}/` });
  await send('PWA.changeAppUserSettings', { manifestId, displayMode: 'standalone' });
  return {
    manifestId,
    send,
    uninstall: async () => {
      await send('PWA.uninstall', { manifestId });
      await cdp.detach();
    },
  };
}

describe('the installable app', { timeout: 240_000 }, () => {
  let server: RunningServer;
  let a: LaunchedBrowser;
  let b: LaunchedBrowser;
  const files: Awaited<ReturnType<typeof randomFile>>[] = [];

  before(async () => {
    server = await startServer();
    [a, b] = await Promise.all([launchBrowser(), launchBrowser()]);
    await Promise.all([openApp(a.page, server.url), openApp(b.page, server.url)]);
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.stop();
    await Promise.all(files.map((f) => f.cleanup()));
  });

  test('the manifest is complete and Chromium finds the app installable', async () => {
    const manifest = (await (await fetch(`${server.url}/manifest.webmanifest`)).json()) as Record<string, any>;
    for (const field of ['name', 'short_name', 'description', 'id', 'start_url', 'scope', 'theme_color', 'background_color', 'categories', 'launch_handler']) assert.ok(manifest[field], `manifest has ${field}`);
    assert.equal(manifest.display, 'standalone');
    const icons = manifest.icons.map((i: { sizes: string; purpose: string }) => `${i.sizes} ${i.purpose}`);
    for (const wanted of ['192x192 any', '192x192 maskable', '512x512 any', '512x512 maskable']) assert.ok(icons.includes(wanted), `an icon ${wanted}`);
    assert.deepEqual(manifest.screenshots.map((s: { form_factor: string }) => s.form_factor).sort(), ['narrow', 'wide']);
    for (const shot of manifest.screenshots) {
      const png = Buffer.from(await (await fetch(`${server.url}${shot.src}`)).arrayBuffer());
      // a PNG's IHDR holds its width and height at bytes 16 and 20
      assert.equal(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, shot.sizes, `${shot.src} is as large as the manifest says`);
    }
    assert.deepEqual(manifest.shortcuts.map((s: { name: string; url: string }) => [s.name, s.url]), [['Share files', '/#/files'], ['Transfers', '/#/transfers']]);
    assert.deepEqual(manifest.protocol_handlers, [{ protocol: 'web+shoal', url: '/?link=%s' }]);
    await a.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
    const cdp = await a.context.newCDPSession(a.page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
    assert.deepEqual(installabilityErrors.map((e) => e.errorId), []);
    await cdp.detach();
  });

  test('a web+shoal: link handed over by the OS opens the room and downloads that share; anything else is refused', async () => {
    const room = await newPrivateRoom(a.page);
    const file = await randomFile('handed.bin', 2 * 1024 * 1024);
    files.push(file);
    const id = await shareFromDisk(a.page, file.path, 'handed.bin');
    await b.page.goto('about:blank');
    await b.page.goto(`${server.url}/?link=${encodeURIComponent(`web+shoal:s/${id}?room=${room}`)}`);
    // B was in the room of its network: a link to another room asks first.
    await b.page.waitForURL(`${server.url}/#/s/${id}`);
    await answerRoomQuestion(b.page, room);
    await b.page.waitForURL(`${server.url}/?room=${room}#/s/${id}`);
    const state = await waitForState(b.page, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 30_000, 'the handed share downloaded');
    assert.equal(state.shares.find((x) => x.id === id)!.fileHash, file.sha256);
    await b.page.goto('about:blank');
    await b.page.goto(`${server.url}/?link=${encodeURIComponent('javascript:alert(1)')}`);
    await b.page.getByRole('alert').filter({ hasText: 'That link is not a Shoal share link.' }).waitFor();
    assert.equal(new URL(b.page.url()).search, '', 'the link is gone from the address');
  });

  test('the installed app: a link opened while its window runs goes to that window (one window), and the download starts', async () => {
    await openApp(a.page, server.url); // back in the address room, where Settings offers a new private one
    const room = await newPrivateRoom(a.page);
    const file = await randomFile('launched.bin', 2 * 1024 * 1024);
    files.push(file);
    const id = await shareFromDisk(a.page, file.path, 'launched.bin');
    // Install B's app and open it in its own window, as from the home screen.
    const { manifestId, send, uninstall } = await installApp(b, server.url);
    const appWindows = () => Promise.all(b.context.pages().map((p) => p.evaluate(() => matchMedia('(display-mode: standalone)').matches).catch(() => false))).then((s) => b.context.pages().filter((_, i) => s[i]));
    const opening = b.context.waitForEvent('page');
    const first = await send('PWA.launch', { manifestId });
    const app = await opening;
    await app.getByLabel('Signaling open').waitFor({ timeout: 15_000 });
    assert.equal((await appWindows()).length, 1);
    // The OS hands the running app a web+shoal: link (protocol_handlers -> /?link=).
    const link = `${server.url}/?link=${encodeURIComponent(`web+shoal:s/${id}?room=${room}`)}`;
    const second = await send('PWA.launch', { manifestId, url: link });
    assert.equal(second.targetId, first.targetId, 'launch_handler focus-existing: the same window');
    await answerRoomQuestion(app, room);
    await app.waitForURL(`${server.url}/?room=${room}#/s/${id}`, { timeout: 15_000 });
    await app.getByLabel('Signaling open').waitFor({ timeout: 15_000 });
    const state = await waitForState(app, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 30_000, 'the linked share downloaded in the running app window');
    assert.equal(state.shares.find((x) => x.id === id)!.fileHash, file.sha256);
    assert.equal(new URL(app.url()).searchParams.get('room'), room, 'the app window joined the link\'s room');
    assert.equal((await appWindows()).length, 1, 'still one app window');
    await app.close();
    await uninstall();
  });

  test('files from the OS share sheet (a multipart POST to /share-target) are shared, and another browser downloads them', async () => {
    const big = await randomFile('sheet-big.bin', 64 * 1024 * 1024);
    const small = await randomFile('sheet-small.txt', 3000);
    files.push(big, small);
    const page = a.page;
    await openApp(page, `${server.url}/#/dashboard`);
    // What the OS does: a form POST, multipart, to the manifest's share_target action.
    const manifest = (await (await fetch(`${server.url}/manifest.webmanifest`)).json()) as { share_target: { action: string; method: string; enctype: string; params: { files: { name: string }[] } } };
    await page.evaluate((target) => {
      const form = document.createElement('form');
      Object.assign(form, { method: target.method, enctype: target.enctype, action: target.action });
      const input = Object.assign(document.createElement('input'), { type: 'file', name: target.params.files[0]!.name, multiple: true });
      input.setAttribute('aria-label', 'Shared by the OS');
      form.append(input);
      document.body.append(form);
    }, manifest.share_target);
    await page.getByLabel('Shared by the OS').setInputFiles([big.path, small.path]);
    await Promise.all([page.waitForURL(`${server.url}/#/files`), page.evaluate(() => document.querySelector('form')!.submit())]);
    // They wait for the user's say.
    const question = page.getByRole('alertdialog', { name: /^Share these 2 files \(64\.0 MiB\) in / });
    await question.waitFor({ timeout: 30_000 });
    assert.equal((await engineState(page)).shares.filter((x) => x.name.startsWith('sheet-')).length, 0, 'nothing shared before Share');
    await question.getByRole('button', { name: 'Share', exact: true }).click();
    const state = await waitForState(page, (s) => ['sheet-big.bin', 'sheet-small.txt'].every((n) => s.shares.some((x) => x.name === n && x.status === 'seeding')), 90_000, 'both shared files seeding');
    const big1 = state.shares.find((x) => x.name === 'sheet-big.bin')!;
    const small1 = state.shares.find((x) => x.name === 'sheet-small.txt')!;
    assert.equal(big1.fileHash, big.sha256);
    assert.equal(small1.fileHash, small.sha256);
    // the inbox copies are gone once the shares hold their own
    const inboxEntries = () =>
      page.evaluate(async () => {
        const names: string[] = [];
        const root = await navigator.storage.getDirectory();
        for await (const name of ((await root.getDirectoryHandle('inbox', { create: true })) as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
        return names.length;
      });
    for (let i = 0; i < 50 && (await inboxEntries()) > 0; i++) await page.waitForTimeout(100);
    assert.equal(await inboxEntries(), 0, 'nothing left in the inbox');
    await openApp(b.page, `${server.url}/#/files`);
    for (const share of [big1, small1]) {
      await b.page.getByRole('button', { name: `Download ${share.name}` }).click({ timeout: 15_000 });
    }
    const got = await waitForState(b.page, (s) => [big1.id, small1.id].every((id) => s.shares.some((x) => x.id === id && x.status === 'seeding')), 90_000, 'B to download both');
    assert.equal(got.shares.find((x) => x.id === big1.id)!.fileHash, big.sha256);
    // a shared text that is no Shoal link: the app says so
    await page.evaluate(() => {
      const form = Object.assign(document.createElement('form'), { method: 'post', enctype: 'multipart/form-data', action: '/share-target' });
      form.append(Object.assign(document.createElement('input'), { type: 'hidden', name: 'text', value: 'just some words' }));
      document.body.append(form);
      form.submit();
    });
    await page.getByRole('alert').filter({ hasText: 'That link is not a Shoal share link.' }).waitFor({ timeout: 15_000 });
  });

  test('"Open with Shoal" (file_handlers): the installed app shares the launched file from disk, no copy, and another browser downloads it', async () => {
    const file = await randomFile('opened.mkv', 3 * 1024 * 1024);
    files.push(file);
    const { manifestId, send, uninstall } = await installApp(b, server.url);
    try {
      // What the OS does when the user picks "Open with Shoal" on a file the app declared it handles.
      const opening = b.context.waitForEvent('page');
      await send('PWA.launchFilesInApp', { manifestId, files: [file.path] });
      const app = await opening;
      await app.getByLabel('Signaling open').waitFor({ timeout: 15_000 });
      const question = app.getByRole('alertdialog', { name: /^Share this file \(3\.00 MiB\) in / });
      await question.waitFor({ timeout: 15_000 });
      await question.getByRole('button', { name: 'Share', exact: true }).click();
      const state = await waitForState(app, (s) => s.shares.some((x) => x.name === 'opened.mkv' && x.status === 'seeding'), 30_000, 'the launched file shared');
      const shared = state.shares.find((x) => x.name === 'opened.mkv')!;
      assert.equal(shared.fileHash, file.sha256);
      assert.ok(shared.fromDisk, 'shared from where it lies (its handle), not copied');
      assert.ok(app.url().endsWith('#/files'), `the app shows Files: ${app.url()}`);
      await openApp(a.page, `${server.url}/#/files`);
      await a.page.getByRole('button', { name: 'Download opened.mkv' }).click({ timeout: 15_000 });
      const got = await waitForState(a.page, (s) => s.shares.some((x) => x.id === shared.id && x.status === 'seeding'), 30_000, 'A to download the opened file');
      assert.equal(got.shares.find((x) => x.id === shared.id)!.fileHash, file.sha256);
      await app.close();
    } finally {
      await uninstall();
    }
  });

  test('offline: the shell opens, stored files open; back online, the paused download completes by itself', async () => {
    // A and B in a private room (so the offline load is of a URL with a query); A shares two files,
    // B takes one whole and half the other.
    const room = await newPrivateRoom(a.page);
    const done = await randomFile('offline-done.bin', 1024 * 1024);
    const part = await randomFile('offline-part.bin', 8 * 1024 * 1024);
    files.push(done, part);
    const doneId = await shareFromDisk(a.page, done.path, 'offline-done.bin');
    const partId = await shareFromDisk(a.page, part.path, 'offline-part.bin');
    await b.page.goto('about:blank');
    await b.page.goto(`${server.url}/?room=${room}#/settings`);
    await answerRoomQuestion(b.page, room);
    await b.page.getByLabel('Signaling open').waitFor({ timeout: 15_000 });
    await b.page.getByLabel('Download limit in MiB/s').fill('1');
    await b.page.getByLabel('Download limit in MiB/s').press('Tab');
    await showView(b.page, 'Files');
    await b.page.getByRole('button', { name: 'Download offline-done.bin' }).click({ timeout: 10_000 });
    await waitForState(b.page, (s) => s.shares.some((x) => x.id === doneId && x.status === 'seeding'), 30_000, 'the first file');
    await b.page.getByRole('button', { name: 'Download offline-part.bin' }).click();
    await waitForState(b.page, (s) => s.shares.some((x) => x.id === partId && x.bytesDone >= 2 * 1024 * 1024), 30_000, 'part of the second');

    await b.context.setOffline(true);
    await b.page.reload();
    await b.page.getByRole('navigation', { name: 'Views' }).waitFor({ timeout: 15_000 });
    assert.match(b.page.url(), new RegExp(`\\?room=${room}#/files$`), 'the room URL opened from the precache');
    await b.page.getByLabel(/^Signaling (closed|connecting)$/).waitFor();
    await b.page.locator('li[aria-label="offline-done.bin"][data-status="seeding"]').waitFor({ timeout: 15_000 });
    await b.page.locator('li[aria-label="offline-part.bin"][data-status="paused"]').waitFor();
    assert.equal(await sha256ThroughServiceWorker(b.page, `/files/${doneId}/offline-done.bin`), done.sha256, 'a stored file opens offline with its bytes intact');

    await b.context.setOffline(false);
    await b.page.getByLabel('Signaling open').waitFor({ timeout: 20_000 });
    const state = await waitForState(b.page, (s) => s.shares.some((x) => x.id === partId && x.status === 'seeding'), 60_000, 'the paused download to complete once online');
    assert.equal(state.shares.find((x) => x.id === partId)!.fileHash, part.sha256);
    await showView(b.page, 'Settings');
    await b.page.getByLabel('Download limit in MiB/s').fill('');
    await b.page.getByLabel('Download limit in MiB/s').press('Tab');
  });

  test('a new build waits for the user: "a new version is ready", and accepting it activates build 2', async () => {
    // The server reads the page into memory at start, so a new build is served by a new server
    // process on the same origin: a deployment.
    const dir = await mkdtemp(join(tmpdir(), 'shoal-builds-'));
    const port = await freeTcpPort();
    const origin = `http://127.0.0.1:${port}`;
    const serve = () => startServer({ WEB_ROOT: join(dir, 'web') }, port);
    let own: RunningServer | undefined;
    try {
      await build(dir);
      own = await serve();
      const page = await b.context.newPage();
      await openApp(page, `${origin}/#/settings`);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
      const buildOf = () => page.getByRole('definition').nth(1).innerText();
      const first = await buildOf();
      await own.stop();
      await build(dir); // build 2, deployed where build 1 was
      own = await serve();
      await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
      const ready = page.getByRole('status').filter({ hasText: 'A new version of Shoal is ready.' });
      await ready.waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1000);
      assert.equal(await buildOf(), first, 'nothing reloaded by itself');
      await page.evaluate(() => ((globalThis as { stillBuild1?: boolean }).stillBuild1 = true));
      await Promise.all([page.waitForEvent('load'), ready.getByRole('button', { name: 'Reload' }).click()]);
      await page.getByLabel('Signaling open').waitFor({ timeout: 15_000 });
      assert.equal(await page.evaluate(() => (globalThis as { stillBuild1?: boolean }).stillBuild1), undefined, 'the page reloaded');
      assert.notEqual(await buildOf(), first, 'build 2 runs');
      assert.equal(await page.getByRole('status').filter({ hasText: 'A new version' }).count(), 0);
      await page.close();
    } finally {
      await own?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
