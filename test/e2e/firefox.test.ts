/**
 * Firefox (Debian's firefox-esr over WebDriver BiDi) against the real server, with Chromium beside it:
 * every view loads without a console error; shares travel Firefox → Chromium, Chromium → Firefox and
 * Firefox → Firefox with the right SHA-256; a Firefox private window (OPFS refused there) shares and
 * downloads through IndexedDB and says so; a WebM plays in Firefox while under half of it has come.
 * Skipped with its reason where firefox-esr is missing
 * (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeClip, playInPage } from './clip.js';
import { launchBrowser, openApp, testFiles, sha256ThroughServiceWorker, shareFromDisk, showView, startServer, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';
import { deepElement, firefoxEngineState, hasFirefox, launchFirefox, openAppInFirefox, sha256InFirefox, shareFromDiskInFirefox, waitForFirefoxState, type LaunchedFirefox } from './firefox.js';

const MiB = 1024 * 1024;
type Snapshot = { shares: { id: string; name: string; status: string; bytesDone: number; size: number; fileHash?: string; error?: string }[]; storageBackend?: string; dataPlane?: string };

describe('Firefox', { timeout: 300_000, skip: hasFirefox() ? false : 'firefox-esr is not installed (apt-get install firefox-esr)' }, () => {
  let server: RunningServer;
  let firefox: LaunchedFirefox;
  let chromium: LaunchedBrowser;
  const { file, onCleanup, cleanup } = testFiles();

  before(async () => {
    server = await startServer();
    [firefox, chromium] = await Promise.all([launchFirefox(), launchBrowser()]);
    await Promise.all([openAppInFirefox(firefox.page, server.url), openApp(chromium.page, server.url)]);
  });
  after(async () => {
    await Promise.all([firefox?.close(), chromium?.close()]);
    await server?.stop();
    await cleanup();
  });

  /** Clicks Download on a share the room lists, in Firefox. */
  async function downloadInFirefox(page: LaunchedFirefox['page'], name: string): Promise<void> {
    await (await deepElement(page, `button[aria-label="Download ${name}"]`)).click();
  }

  test('every view loads with no console error; the data plane and storage are the fast ones', async () => {
    for (const view of ['dashboard', 'network', 'transfers', 'files', 'settings']) {
      await firefox.page.goto(`${server.url}/#/${view}`);
      await deepElement(firefox.page, '[aria-label="Signaling open"]');
      await deepElement(firefox.page, `a[aria-current="page"][href="#/${view}"]`);
    }
    const state = await firefoxEngineState<Snapshot>(firefox.page);
    assert.equal(state.storageBackend, 'opfs');
    assert.equal(state.dataPlane, 'worker');
    assert.deepEqual(firefox.errors, [], 'no console error in any view');
    await openAppInFirefox(firefox.page, server.url);
  });

  test('Firefox → Chromium and Chromium → Firefox, with the right SHA-256', async () => {
    const fromFirefox = await file('from-firefox.bin', 8 * MiB);
    const idA = await shareFromDiskInFirefox(firefox.page, fromFirefox.path, 'from-firefox.bin');
    await showView(chromium.page, 'Files');
    await chromium.page.getByRole('button', { name: 'Download from-firefox.bin' }).click({ timeout: 15_000 });
    await waitForState(chromium.page, (s) => s.shares.some((x) => x.id === idA && x.status === 'seeding'), 60_000, 'Chromium to download from Firefox');
    assert.equal(await sha256ThroughServiceWorker(chromium.page, `/files/${idA}/from-firefox.bin`), fromFirefox.sha256);

    const fromChromium = await file('from-chromium.bin', 8 * MiB);
    const idB = await shareFromDisk(chromium.page, fromChromium.path, 'from-chromium.bin');
    await downloadInFirefox(firefox.page, 'from-chromium.bin');
    await waitForFirefoxState<Snapshot>(firefox.page, (s) => s.shares.some((x) => x.id === idB && x.status === 'seeding'), 60_000, 'Firefox to download from Chromium');
    assert.equal(await sha256InFirefox(firefox.page, `/files/${idB}/from-chromium.bin`), fromChromium.sha256);
  });

  test('a private share, by its link, Chromium → Firefox and Firefox → Chromium (each end proves the secret on its DTLS fingerprints)', async () => {
    type Private = { shares: { id: string; name: string; status: string; fileHash?: string; secret?: string }[] };
    const toFirefox = await file('private-to-firefox.bin', 2 * MiB);
    await showView(chromium.page, 'Files');
    await chromium.page.getByRole('checkbox', { name: /Private: only people with its link/ }).check();
    const idA = await shareFromDisk(chromium.page, toFirefox.path, 'private-to-firefox.bin');
    await chromium.page.getByRole('checkbox', { name: /Private: only people with its link/ }).uncheck();
    const secretA = ((await chromium.page.evaluate(() => JSON.parse(JSON.stringify((globalThis as unknown as { shoal: { store: { state: unknown } } }).shoal.store.state)))) as Private).shares.find((x) => x.id === idA)!.secret!;
    await openAppInFirefox(firefox.page, `${server.url}/#/p/${idA}.${secretA}`);
    await waitForFirefoxState<Private>(firefox.page, (s) => s.shares.some((x) => x.id === idA && x.status === 'seeding'), 60_000, 'Firefox to download the private share');
    assert.equal(await sha256InFirefox(firefox.page, `/files/${idA}/private-to-firefox.bin`), toFirefox.sha256);

    const fromFirefox = await file('private-from-firefox.bin', 2 * MiB);
    await openAppInFirefox(firefox.page, `${server.url}/#/files`);
    await (await deepElement(firefox.page, 'label.private input[type="checkbox"]')).click();
    const idB = await shareFromDiskInFirefox(firefox.page, fromFirefox.path, 'private-from-firefox.bin');
    await (await deepElement(firefox.page, 'label.private input[type="checkbox"]')).click(); // the next shares are public again
    const secretB = (await firefoxEngineState<Private>(firefox.page)).shares.find((x) => x.id === idB)!.secret!;
    assert.ok(secretB, 'shared privately from Firefox');
    await openApp(chromium.page, `${server.url}/#/p/${idB}.${secretB}`);
    await waitForState(chromium.page, (s) => s.shares.some((x) => x.id === idB && x.status === 'seeding'), 60_000, 'Chromium to download Firefox\'s private share');
    assert.equal(await sha256ThroughServiceWorker(chromium.page, `/files/${idB}/private-from-firefox.bin`), fromFirefox.sha256);
  });

  test('play while downloading: a WebM plays in Firefox while under half of it has come', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shoal-ff-clip-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const clip = await makeClip(dir, 20);
    const id = await shareFromDisk(chromium.page, clip.path, 'clip.webm');
    // 1 MiB/s: the clip (~14 MiB) is read long before it is whole.
    await firefox.page.evaluate(() => (globalThis as unknown as { shoal: { setRateLimits(l: unknown): void } }).shoal.setRateLimits({ upload: null, download: 1024 * 1024 }));
    await downloadInFirefox(firefox.page, 'clip.webm');
    await waitForFirefoxState<Snapshot>(firefox.page, (s) => s.shares.some((x) => x.id === id && x.status === 'downloading' && x.bytesDone > 0), 30_000, 'the clip download to start');
    // tsx names the functions declared in page.evaluate bodies through a helper the page lacks.
    await firefox.page.evaluate('globalThis.__name = (f) => f');
    const played = await firefox.page.evaluate(playInPage, `/files/${id}/clip.webm`);
    const state = await firefoxEngineState<Snapshot>(firefox.page);
    const share = state.shares.find((x) => x.id === id)!;
    const fraction = share.status === 'seeding' ? 1 : share.bytesDone / share.size;
    console.log(`# Firefox play while downloading: canplay after ${(played.canplayMs / 1000).toFixed(2)} s, playing with ${(fraction * 100).toFixed(1)} % stored`);
    assert.ok(fraction < 0.5, `played with ${(fraction * 100).toFixed(1)} % downloaded`);
    assert.ok(Math.abs(played.duration - 20) < 0.5, `the clip's duration is known (${played.duration} s)`);
    await firefox.page.evaluate(() => (globalThis as unknown as { shoal: { setRateLimits(l: unknown): void } }).shoal.setRateLimits({ upload: null, download: null }));
    await waitForFirefoxState<Snapshot>(firefox.page, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 60_000, 'the clip complete');
    assert.equal(await sha256InFirefox(firefox.page, `/files/${id}/clip.webm`), clip.sha256);
  });

  test('Firefox → Firefox, and a Firefox private window shares and downloads through IndexedDB', async () => {
    const priv = await launchFirefox({ privateWindow: true });
    try {
      await openAppInFirefox(priv.page, server.url);
      const state = await firefoxEngineState<Snapshot>(priv.page);
      assert.equal(state.storageBackend, 'indexeddb', 'OPFS is refused in a private window: the probe chose IndexedDB');
      await priv.page.goto(`${server.url}/#/settings`);
      await deepElement(priv.page, '[aria-label="Signaling open"]');
      const settingsText = await priv.page.evaluate(() => {
        const host = document.querySelector('shoal-app')!.shadowRoot!.querySelector('shoal-settings-view')!;
        return host.shadowRoot!.textContent ?? '';
      });
      assert.match(settingsText, /IndexedDB/, 'Settings says where the files are');
      assert.doesNotMatch(settingsText, /origin private file system/i);
      await openAppInFirefox(priv.page, server.url);

      const fromFirefox = await file('firefox-to-private.bin', 4 * MiB);
      const id = await shareFromDiskInFirefox(firefox.page, fromFirefox.path, 'firefox-to-private.bin');
      await downloadInFirefox(priv.page, 'firefox-to-private.bin');
      await waitForFirefoxState<Snapshot>(priv.page, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 60_000, 'the private window to download from Firefox');
      assert.equal(await sha256InFirefox(priv.page, `/files/${id}/firefox-to-private.bin`), fromFirefox.sha256, 'Firefox → Firefox (private), intact');

      const fromPrivate = await file('from-private.bin', 4 * MiB);
      const idP = await shareFromDiskInFirefox(priv.page, fromPrivate.path, 'from-private.bin');
      await showView(chromium.page, 'Files');
      await chromium.page.getByRole('button', { name: 'Download from-private.bin' }).click({ timeout: 15_000 });
      await waitForState(chromium.page, (s) => s.shares.some((x) => x.id === idP && x.status === 'seeding'), 60_000, 'Chromium to download from the private window');
      assert.equal(await sha256ThroughServiceWorker(chromium.page, `/files/${idP}/from-private.bin`), fromPrivate.sha256);
      assert.deepEqual(priv.errors, [], 'no console error in the private window');
    } finally {
      await priv.close();
    }
  });
});
