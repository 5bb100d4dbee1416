/**
 * Two server instances sharing rooms through a real redis-server (Debian's, started here on a free
 * loopback port): peers on different instances see each other, relay offers, see each other's
 * announcements and departures, and two browsers (one per instance) transfer a file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openApp, randomFile, sha256ThroughServiceWorker, shareFromDisk, startServer, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';
import { connectSignaling as client } from './ws-client.js';
import { startRedis } from './redis-server.js';

describe('two instances sharing rooms through Redis', { timeout: 240_000 }, () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let one: RunningServer;
  let two: RunningServer;

  before(async () => {
    redis = await startRedis();
    [one, two] = await Promise.all([startServer({ REDIS_URL: redis.url }), startServer({ REDIS_URL: redis.url })]);
  });
  after(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    redis?.process.kill('SIGTERM');
  });

  test('both instances report Redis in /api/health', async () => {
    for (const server of [one, two]) assert.equal((await (await fetch(`${server.url}/api/health`)).json()).redis, 'connected');
  });

  test('peers on different instances see each other, relay, announce and leave', async () => {
    const a = await client(one);
    a.ws.send(JSON.stringify({ type: 'join-room', room: 'across', name: 'alice' }));
    const aId = (await a.next('welcome')).peerId;
    await a.next('files'); // the room's announcements at join time: none yet
    const b = await client(two);
    b.ws.send(JSON.stringify({ type: 'join-room', room: 'across', name: 'bob' }));
    const welcome = await b.next('welcome');
    assert.deepEqual(welcome.peers, [{ peerId: aId, name: 'alice' }], 'B (instance two) sees A (instance one)');
    assert.deepEqual(await a.next('peer-joined'), { type: 'peer-joined', peerId: welcome.peerId, name: 'bob' });

    a.ws.send(JSON.stringify({ type: 'offer', to: welcome.peerId, sdp: 'v=0 across' }));
    assert.deepEqual(await b.next('offer'), { type: 'offer', from: aId, sdp: 'v=0 across' }, 'relayed across instances, from stamped');
    b.ws.send(JSON.stringify({ type: 'answer', to: aId, sdp: 'v=0 back' }));
    assert.equal((await a.next('answer')).from, welcome.peerId);

    const share = { id: 'e'.repeat(64), name: 'across.bin', size: 7 };
    b.ws.send(JSON.stringify({ type: 'announce-file', shares: [share] }));
    assert.deepEqual((await a.next('announce-file')).shares, [share]);
    a.ws.send(JSON.stringify({ type: 'request-file', id: share.id }));
    assert.deepEqual((await a.next('files')).holders, [{ peerId: welcome.peerId, shares: [share] }]);

    const c = await client(one);
    c.ws.send(JSON.stringify({ type: 'join-room', room: 'across', name: 'carol' }));
    await c.next('welcome');
    assert.deepEqual((await c.next('files')).holders, [{ peerId: welcome.peerId, shares: [share] }], "a late joiner on instance one sees B's shares");

    const other = await client(two);
    other.ws.send(JSON.stringify({ type: 'join-room', room: 'elsewhere' }));
    await other.next('welcome');
    other.ws.send(JSON.stringify({ type: 'offer', to: aId, sdp: 'v=0' }));
    assert.equal((await other.next('error')).code, 'unknown-peer', 'rooms stay separate across instances');

    // A rename and a withdrawal cross instances too, and a late joiner sees both.
    b.ws.send(JSON.stringify({ type: 'rename', name: 'robert' }));
    assert.deepEqual(await a.next('peer-renamed'), { type: 'peer-renamed', peerId: welcome.peerId, name: 'robert' });
    b.ws.send(JSON.stringify({ type: 'withdraw-file', ids: [share.id] }));
    assert.deepEqual(await a.next('withdraw-file'), { type: 'withdraw-file', from: welcome.peerId, ids: [share.id] });
    assert.deepEqual(await c.next('withdraw-file'), { type: 'withdraw-file', from: welcome.peerId, ids: [share.id] });
    const d = await client(one);
    d.ws.send(JSON.stringify({ type: 'join-room', room: 'across', name: 'dave' }));
    const late = await d.next('welcome');
    assert.ok(late.peers.some((p: { peerId: string; name: string }) => p.peerId === welcome.peerId && p.name === 'robert'), 'the new name, on the other instance');
    assert.deepEqual((await d.next('files')).holders, [], 'the withdrawn share is gone from the mirrored index');
    d.ws.close();
    assert.equal((await a.next('peer-left')).peerId, late.peerId);

    b.ws.close();
    assert.equal((await a.next('peer-left')).peerId, welcome.peerId);
    for (const x of [a, c, other]) x.ws.close();
  });

  test('a browser on each instance: share on one, download on the other', async () => {
    const file = await randomFile('redis.bin', 4 * 1024 * 1024);
    const [browserA, browserB] = (await Promise.all([launchBrowser(), launchBrowser()])) as [LaunchedBrowser, LaunchedBrowser];
    try {
      await openApp(browserA.page, one.url);
      await openApp(browserB.page, two.url);
      const id = await shareFromDisk(browserA.page, file.path, 'redis.bin');
      await browserB.page.getByRole('button', { name: 'Download redis.bin' }).click({ timeout: 15_000 });
      await waitForState(browserB.page, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 60_000, 'download across instances');
      assert.equal(await sha256ThroughServiceWorker(browserB.page, `/files/${id}/redis.bin`), file.sha256);
    } finally {
      await Promise.all([browserA.close(), browserB.close()]);
      await file.cleanup();
    }
  });
});
