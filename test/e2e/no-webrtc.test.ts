/**
 * A browser without WebRTC (Debian's WebKitGTK has no RTCPeerConnection; here Chromium with it
 * removed before the app loads): the app says plainly that it cannot connect to peers, greys out
 * Download with the reason, still shows the room and the user's own files, announces nothing, and the
 * Dashboard's relay row says why instead of "checking…" for ever.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { engineState, launchBrowser, openApp, testFiles, shareFromDisk, showView, startServer, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';
import { connectSignaling } from './ws-client.js';

describe('a browser without WebRTC', { timeout: 90_000 }, () => {
  let server: RunningServer;
  let seeder: LaunchedBrowser;
  let bare: LaunchedBrowser;
  const { file, cleanup } = testFiles();

  before(async () => {
    server = await startServer();
    [seeder, bare] = await Promise.all([launchBrowser(), launchBrowser()]);
    await bare.context.addInitScript(() => {
      for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel', 'RTCSessionDescription', 'RTCIceCandidate']) delete (globalThis as Record<string, unknown>)[name];
    });
    await Promise.all([openApp(seeder.page, server.url), openApp(bare.page, server.url)]);
  });
  after(async () => {
    await Promise.all([seeder?.close(), bare?.close()]);
    await server?.stop();
    await cleanup();
  });

  test('it says so, greys out Download with the reason, and still shows the room and its own files', async () => {
    const offered = await file('offered.bin', 200_000);
    await shareFromDisk(seeder.page, offered.path, 'offered.bin');
    assert.equal(await bare.page.evaluate(() => typeof (globalThis as Record<string, unknown>).RTCPeerConnection), 'undefined');
    await bare.page.getByRole('status').filter({ hasText: 'This browser cannot connect to peers: it has no WebRTC' }).waitFor({ timeout: 10_000 });
    const download = bare.page.getByRole('button', { name: 'Download offered.bin' });
    await download.waitFor({ timeout: 10_000 });
    assert.equal(await download.isDisabled(), true, 'Download is greyed out');
    assert.match((await download.getAttribute('title')) ?? '', /no WebRTC/);
    await bare.page.getByRole('note').filter({ hasText: 'Downloading needs WebRTC' }).waitFor();
    assert.equal((await engineState(bare.page)).peers.length, 1, 'the room is shown');

    // Its own files: stored and listed, but not announced (no one could fetch them from here).
    const listener = await connectSignaling(server);
    listener.send({ type: 'join-room', name: 'listener' });
    await listener.next('welcome');
    await listener.next('files');
    const own = await file('own.bin', 100_000);
    await showView(bare.page, 'Files');
    await bare.page.getByLabel('Share files').setInputFiles(own.path);
    await waitForState(bare.page, (s) => s.shares.some((x) => x.name === 'own.bin' && x.status === 'seeding'), 20_000, 'its own file stored');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(listener.inbox.filter((m) => m.type === 'announce-file'), [], 'nothing announced');
    listener.ws.close();

    await showView(bare.page, 'Dashboard');
    await bare.page.getByText('unreachable: this browser has no WebRTC').waitFor({ timeout: 10_000 });
  });
});
