/**
 * Private rooms through the UI: A makes a new private room (an unguessable code in the URL); B, in
 * the local room, does not see A; B pastes A's link into "Room code or link" and then sees A, and A's
 * shared file; a malformed code is refused in place.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { engineState, launchBrowser, openApp, shareFromDisk, showView, randomFile, startServer, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';

describe('private rooms', { timeout: 120_000 }, () => {
  let server: RunningServer;
  let a: LaunchedBrowser;
  let b: LaunchedBrowser;

  before(async () => {
    server = await startServer();
    [a, b] = await Promise.all([launchBrowser(), launchBrowser()]);
    await Promise.all([openApp(a.page, server.url), openApp(b.page, server.url)]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.stop();
  });

  test('a new private room is joined by its link, and only its members see each other', async () => {
    await waitForState(a.page, (s) => s.peers.length === 1, 10_000, 'A and B together in the local room');
    await showView(a.page, 'Settings');
    await a.page.getByRole('button', { name: 'New private room' }).click();
    await a.page.waitForURL(/\?room=[a-km-z2-9]{16}#\/settings$/);
    await a.page.getByLabel('Signaling open').waitFor({ timeout: 15_000 });
    const code = new URL(a.page.url()).searchParams.get('room')!;
    assert.equal(await a.page.getByLabel('Room code', { exact: true }).innerText(), code);
    await waitForState(b.page, (s) => s.peers.length === 0, 10_000, 'B alone once A left the local room');

    const file = await randomFile('private.bin', 100_000);
    try {
      const id = await shareFromDisk(a.page, file.path, 'private.bin');
      assert.equal((await engineState(b.page)).peers.length, 0);
      await showView(b.page, 'Settings');
      await b.page.getByLabel('Room code or link').fill('not a room!');
      await b.page.getByRole('button', { name: 'Join' }).click();
      await b.page.getByRole('alert').filter({ hasText: 'not a room code' }).waitFor();
      await b.page.evaluate(() => ((globalThis as { stillThisPage?: boolean }).stillThisPage = true));
      await b.page.getByLabel('Room code or link').fill(`${server.url}/?room=${code}`);
      await b.page.getByRole('button', { name: 'Join' }).click();
      await b.page.waitForURL(new RegExp(`\\?room=${code}#/settings$`));
      await b.page.getByLabel('Signaling open').waitFor({ timeout: 15_000 });
      const state = await waitForState(b.page, (s) => s.peers.length === 1, 10_000, 'B sees A in the private room');
      assert.equal(state.peers[0]!.peerId, (await engineState(a.page)).selfId);
      await showView(b.page, 'Files');
      await b.page.getByRole('button', { name: 'Download private.bin' }).waitFor({ timeout: 10_000 });
      assert.equal(await b.page.evaluate(() => (globalThis as { stillThisPage?: boolean }).stillThisPage), true, 'joined without a reload');
      assert.deepEqual((await engineState(b.page)).roomFiles.map((f) => [f.id, f.holders]), [[id, [state.peers[0]!.peerId]]], 'B sees exactly A\'s share, held by A');
    } finally {
      await file.cleanup();
    }
  });
});
