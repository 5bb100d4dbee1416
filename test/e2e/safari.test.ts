/**
 * Safari's documented gaps, handled in code and run here in Chromium (Safari cannot run on this
 * machine, and Debian's WebKitGTK has no WebRTC):
 * - iOS Safari cannot transfer a data channel to a worker: Chromium whose postMessage refuses a data
 *   channel the way such a browser does (DataCloneError) runs the data plane on the page by itself,
 *   and downloads.
 * - Safari deletes a site's storage after 7 days without a visit unless the app is on the Home
 *   Screen or the Dock: Chromium with iPhone Safari's user agent shows how to install before anything
 *   is stored, then, once a file is stored, says the files would go and offers "Keep my files"
 *   (persistent storage, granted or refused through the DevTools protocol) and "Not now", remembered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { engineState, launchBrowser, openApp, shareFromDisk, showView, startServer, testFiles, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';

const IPHONE_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

describe('Safari\'s gaps', { timeout: 120_000 }, () => {
  let server: RunningServer;
  let seeder: LaunchedBrowser;
  let iphone: LaunchedBrowser;
  const { file, cleanup } = testFiles();

  before(async () => {
    server = await startServer();
    [seeder, iphone] = await Promise.all([launchBrowser(), launchBrowser({ args: [`--user-agent=${IPHONE_SAFARI}`] })]);
    // What a browser without transferable data channels does when one is posted to a worker.
    await iphone.context.addInitScript(() => {
      for (const target of [Worker.prototype, MessagePort.prototype]) {
        const post = target.postMessage as (this: unknown, message: unknown, options?: unknown) => void;
        target.postMessage = function (this: unknown, message: unknown, options?: unknown) {
          const transfer = Array.isArray(options) ? options : ((options as { transfer?: unknown[] } | undefined)?.transfer ?? []);
          if (transfer.some((item) => item instanceof RTCDataChannel)) throw new DOMException("Failed to execute 'postMessage': Value at index 0 does not have a transferable type.", 'DataCloneError');
          return post.call(this, message, options);
        } as typeof target.postMessage;
      }
    });
    // Persistent storage refused until a test grants it (Chromium may grant it by itself).
    cdp = await iphone.context.newCDPSession(iphone.page);
    await setPersistence('denied');
    await Promise.all([openApp(seeder.page, server.url), openApp(iphone.page, server.url)]);
  });
  let cdp: Awaited<ReturnType<LaunchedBrowser['context']['newCDPSession']>>;
  const setPersistence = (setting: 'granted' | 'denied') => cdp.send('Browser.setPermission', { permission: { name: 'persistent-storage' }, setting, origin: new URL(server.url).origin });
  after(async () => {
    await Promise.all([seeder?.close(), iphone?.close()]);
    await server?.stop();
    await cleanup();
  });

  test('without transferable data channels the data plane runs on the page by itself, and a download completes', async () => {
    assert.equal((await engineState(iphone.page)).dataPlane, 'page', 'the probe found the channel cannot move to the worker');
    assert.equal((await engineState(seeder.page)).dataPlane, 'worker');
    const shared = await file('to-iphone.bin', 4 * 1024 * 1024);
    const id = await shareFromDisk(seeder.page, shared.path, 'to-iphone.bin');
    await showView(iphone.page, 'Files');
    await iphone.page.getByRole('button', { name: 'Download to-iphone.bin' }).click({ timeout: 15_000 });
    const state = await waitForState(iphone.page, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 30_000, 'the download on the page plane');
    assert.equal(state.shares.find((x) => x.id === id)!.fileHash, shared.sha256);
  });

  test('Safari\'s 7-day storage cap: with a file stored, one notice offers "Keep my files"; refused, it says so; granted from Settings, it goes', async () => {
    const page = iphone.page;
    // A fresh page of a browser that stored the last test's download: first the stored files' notice.
    await openApp(page, `${server.url}/#/files`);
    const notice = page.getByRole('region', { name: 'Safari deletes Shoal\'s files after 7 days without a visit' });
    await notice.waitFor({ timeout: 10_000 });
    assert.match(await notice.innerText(), /Your stored file goes unless Shoal is on your Home Screen \(tap Share, then “Add to Home Screen”\)/);
    assert.equal(await page.getByRole('note').filter({ hasText: 'Install Shoal' }).count(), 0, 'one notice, not two');
    await notice.getByRole('button', { name: 'Keep my files' }).click();
    await notice.getByText('Safari did not agree: add Shoal to your Home Screen to keep them.').waitFor();
    assert.equal(await notice.getByRole('button', { name: 'Keep my files' }).count(), 0, 'not offered again once refused');

    // Settings says the same, and asks again when the user does: granted this time.
    await showView(page, 'Settings');
    await page.getByText('Safari deletes it after 7 days without a visit').waitFor();
    await setPersistence('granted');
    await page.getByRole('button', { name: 'Keep my files' }).click();
    await page.getByText('Kept until you remove it (persistent storage granted).').waitFor();
    assert.equal(await notice.count(), 0, 'the notice goes once the files are kept');
    await openApp(page, `${server.url}/#/files`);
    await page.locator('li[aria-label="to-iphone.bin"]').waitFor();
    await page.waitForTimeout(500);
    assert.equal(await notice.count(), 0, 'and stays gone on the next visit');
  });

  test('before anything is stored, iOS Safari is told how to add Shoal to the Home Screen; "Not now" on the storage notice is remembered', async () => {
    const fresh = await launchBrowser({ args: [`--user-agent=${IPHONE_SAFARI}`] });
    try {
      // Safari has no install prompt event: Chromium's is stopped before the app hears it.
      await fresh.context.addInitScript(() => addEventListener('beforeinstallprompt', (event) => event.stopImmediatePropagation(), true));
      const page = fresh.page;
      await openApp(page, `${server.url}/#/dashboard`);
      await page.getByRole('note').filter({ hasText: 'Install Shoal: tap Share, then “Add to Home Screen”.' }).waitFor({ timeout: 10_000 });
      const small = await file('stored-on-iphone.bin', 100_000);
      await shareFromDisk(page, small.path, 'stored-on-iphone.bin');
      const notice = page.getByRole('region', { name: 'Safari deletes Shoal\'s files after 7 days without a visit' });
      await notice.waitFor({ timeout: 10_000 });
      await notice.getByRole('button', { name: 'Not now' }).click();
      await notice.waitFor({ state: 'detached' });
      await openApp(page, `${server.url}/#/files`);
      await page.locator('li[aria-label="stored-on-iphone.bin"][data-status="seeding"]').waitFor({ timeout: 15_000 });
      await page.waitForTimeout(500);
      assert.equal(await notice.count(), 0, '"Not now" is remembered');
    } finally {
      await fresh.close();
    }
  });
});
