/**
 * Shares belong to rooms, and nothing moves without the user's say (issue: consent). Real Chromium,
 * the real server, and a signaling WebSocket of the test's own as the stranger listening in a room.
 * - A hostile room link: the user is asked; Stay changes nothing; Join moves them, and the stranger
 *   in the new room hears none of the old room's shares; one shared there is the only one it hears.
 * - Withdraw: a share removed in one browser leaves the other's room list within a second.
 * - Rename during a 64 MiB transfer: no peer-left, the channel stays open, the download completes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { engineState, launchBrowser, openApp, testFiles, sha256ThroughServiceWorker, shareFromDisk, showView, startServer, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';
import { connectSignaling, type SignalingTestClient } from './ws-client.js';

describe('room consent, withdraw and rename', { timeout: 240_000 }, () => {
  let server: RunningServer;
  let a: LaunchedBrowser;
  let b: LaunchedBrowser;
  const { file, cleanup } = testFiles();
  const listeners: SignalingTestClient[] = [];

  before(async () => {
    server = await startServer();
    [a, b] = await Promise.all([launchBrowser(), launchBrowser()]);
    await Promise.all([openApp(a.page, server.url), openApp(b.page, server.url)]);
  });
  after(async () => {
    for (const listener of listeners) listener.ws.close();
    await Promise.all([a?.close(), b?.close()]);
    await server?.stop();
    await cleanup();
  });

  test('withdraw: a share removed in one browser leaves the other browser\'s room list within a second', async () => {
    const shared = await file('withdrawn.bin', 300_000);
    const id = await shareFromDisk(a.page, shared.path, 'withdrawn.bin');
    await showView(b.page, 'Files');
    await b.page.getByRole('button', { name: 'Download withdrawn.bin' }).waitFor({ timeout: 10_000 });
    await a.page.getByRole('button', { name: 'Remove withdrawn.bin' }).click();
    const removedAt = Date.now();
    await b.page.getByRole('button', { name: 'Download withdrawn.bin' }).waitFor({ state: 'detached', timeout: 5_000 });
    const took = Date.now() - removedAt;
    console.log(`# withdraw: gone from the other browser's list after ${took} ms`);
    assert.ok(took < 1_000, `gone within a second (took ${took} ms)`);
    assert.ok(!(await engineState(b.page)).roomFiles.some((f) => f.id === id));
  });

  test('rename during a 64 MiB transfer: no peer-left, the channel stays open, the download completes', async () => {
    const big = await file('renamed.bin', 64 * 1024 * 1024);
    const id = await shareFromDisk(a.page, big.path, 'renamed.bin', 120_000);
    const aId = (await engineState(a.page)).selfId;
    const listener = await connectSignaling(server);
    listeners.push(listener);
    listener.send({ type: 'join-room', name: 'listener' });
    await listener.next('welcome');
    // Slow enough that the rename lands mid-transfer on any machine.
    await b.page.evaluate(() => (globalThis as unknown as { shoal: { setRateLimits(l: unknown): void } }).shoal.setRateLimits({ upload: null, download: 8 * 1024 * 1024 }));
    await showView(b.page, 'Files');
    await b.page.getByRole('button', { name: 'Download renamed.bin' }).click();
    await waitForState(b.page, (s) => (s.shares.find((x) => x.id === id)?.bytesDone ?? 0) > 4 * 1024 * 1024, 60_000, 'the download under way');

    await showView(a.page, 'Settings');
    await a.page.getByLabel('Display name').fill('Renamed Ray');
    await a.page.getByLabel('Display name').press('Enter');
    assert.deepEqual(await listener.next('peer-renamed'), { type: 'peer-renamed', peerId: aId, name: 'Renamed Ray' }, 'the room hears the new name');
    await waitForState(b.page, (s) => s.peers.some((p) => p.peerId === aId && p.name === 'Renamed Ray'), 5_000, 'B sees the new name');

    // The channel B pulls from A stays open until the download ends.
    for (;;) {
      const pulling = await b.page.evaluate(async (shareId) => {
        const inspection = await (globalThis as unknown as { shoal: { inspect(id: string): Promise<{ sources: { remoteId: string; pulling: boolean }[] } | undefined> } }).shoal.inspect(shareId);
        return inspection?.sources.map((s) => [s.remoteId, s.pulling]);
      }, id);
      if (!pulling) break; // finished
      assert.deepEqual(pulling, [[aId, true]], 'still pulling from A over the same channel');
      await new Promise((r) => setTimeout(r, 200));
    }
    const done = await waitForState(b.page, (s) => s.shares.find((x) => x.id === id)?.status === 'seeding', 60_000, 'the download complete');
    assert.equal(done.peers.find((p) => p.peerId === aId)?.failures, 0, 'no connection to A failed or was re-made');
    assert.equal(await sha256ThroughServiceWorker(b.page, `/files/${id}/renamed.bin`), big.sha256);
    assert.ok(!listener.inbox.some((m) => m.type === 'peer-left' || m.type === 'peer-joined'), `no leave and join: ${JSON.stringify(listener.inbox.map((m) => m.type))}`);
    await b.page.evaluate(() => (globalThis as unknown as { shoal: { setRateLimits(l: unknown): void } }).shoal.setRateLimits({ upload: null, download: null }));
  });

  test('a hostile room link asks first; Stay changes nothing; Join moves the user without the old room\'s shares', async () => {
    const mine = await file('mine.bin', 200_000);
    const mineId = await shareFromDisk(a.page, mine.path, 'mine.bin');
    const stranger = await connectSignaling(server, { localAddress: '127.0.0.2' });
    listeners.push(stranger);
    stranger.send({ type: 'join-room', room: 'evilroomX', name: 'stranger' });
    await stranger.next('welcome');
    await stranger.next('files'); // the room's (empty) snapshot

    // The user follows a link (a navigation, not a reload of their own page).
    await a.page.goto('about:blank');
    await a.page.goto(`${server.url}/?room=evilroomX#/files`);
    const question = a.page.getByRole('alertdialog', { name: 'Join room evilroomX?' });
    await question.waitFor({ timeout: 10_000 });
    await a.page.getByLabel('Signaling open').waitFor({ timeout: 15_000 });
    assert.equal(new URL(a.page.url()).searchParams.get('room'), null, 'still in the room of the network while it asks');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(stranger.inbox.filter((m) => m.type !== 'pong'), [], 'the stranger heard nothing: not a join, not a share');
    await question.getByRole('button', { name: 'Stay here' }).click();
    await question.waitFor({ state: 'detached' });
    const stayed = await engineState(a.page);
    assert.ok(stayed.shares.some((s) => s.id === mineId && s.status === 'seeding'));
    assert.equal(new URL(a.page.url()).searchParams.get('room'), null);

    await a.page.goto('about:blank');
    await a.page.goto(`${server.url}/?room=evilroomX#/files`);
    await a.page.getByRole('alertdialog', { name: 'Join room evilroomX?' }).getByRole('button', { name: 'Join room' }).click();
    await a.page.waitForURL(/\?room=evilroomX/);
    await stranger.next('peer-joined', 10_000);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual(stranger.inbox.filter((m) => m.type === 'announce-file'), [], 'none of the old room\'s shares is announced in the new room');
    const request = { type: 'request-file', id: mineId };
    stranger.send(request);
    assert.deepEqual((await stranger.next('files')).holders, [], 'and nobody there holds it');
    await showView(a.page, 'Files');
    assert.equal(await a.page.locator(`li[data-share-id="${mineId}"]`).getAttribute('data-offered-here'), 'no');

    const there = await file('for-the-room.bin', 100_000);
    const thereId = await shareFromDisk(a.page, there.path, 'for-the-room.bin');
    const announced = await stranger.next('announce-file', 10_000);
    assert.deepEqual(announced.shares.map((s: { id: string }) => s.id), [thereId], 'only the share shared there');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(stranger.inbox.filter((m) => m.type === 'announce-file'), []);
    // The user's own choices, from Files: stop sharing one here, offer the old one here too.
    await a.page.getByRole('button', { name: 'Stop sharing here: for-the-room.bin' }).click();
    assert.deepEqual(await stranger.next('withdraw-file', 5_000), { type: 'withdraw-file', from: announced.from, ids: [thereId] });
    await a.page.getByRole('button', { name: 'Also share in this room: mine.bin' }).click();
    assert.deepEqual((await stranger.next('announce-file', 5_000)).shares.map((s: { id: string }) => s.id), [mineId]);
    await a.page.getByRole('button', { name: 'Stop sharing here: mine.bin' }).click();
    await stranger.next('withdraw-file', 5_000);
    await a.page.getByRole('button', { name: 'Also share in this room: for-the-room.bin' }).click();
    await stranger.next('announce-file', 5_000);

    // Back in the network room (the plain app URL), the old share is offered again, the new one is not.
    await openApp(a.page, server.url);
    const home = await waitForState(a.page, (s) => s.shares.some((x) => x.id === thereId) && s.shares.some((x) => x.id === mineId), 10_000, 'both shares listed');
    const roomsOf = (id: string) => (home.shares.find((s) => s.id === id) as unknown as { rooms: string[] }).rooms;
    assert.deepEqual([roomsOf(mineId), roomsOf(thereId)], [[''], ['evilroomX']], 'each share in its own room');
    await showView(b.page, 'Files');
    await b.page.getByRole('button', { name: 'Download mine.bin' }).waitFor({ timeout: 10_000 });
    assert.ok(!(await engineState(b.page)).roomFiles.some((f) => f.id === thereId), 'the evilroomX share is not offered in the network room');
  });
});
