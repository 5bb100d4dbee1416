/**
 * Private shares (spec §11) in real Chromium against the real server, with Redis between two server
 * instances: a private share downloads by its link between two browsers; the server's logs and the
 * Redis traffic (redis-cli MONITOR) never hold its name or share id, while a public share's name does
 * show there (the search can find a name); a room member without the link hears only an opaque id
 * and a sealed summary and never lists the share; a cut-short or damaged link says so.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { engineState, launchBrowser, openApp, shareFromDisk, showView, startServer, testFiles, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';
import { startRedis } from './redis-server.js';
import { connectSignaling } from './ws-client.js';

describe('private shares', { timeout: 150_000 }, () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let monitor: ChildProcess;
  let redisTraffic = '';
  let one: RunningServer;
  let two: RunningServer;
  let sharer: LaunchedBrowser;
  let friend: LaunchedBrowser;
  let stranger: LaunchedBrowser;
  const { file, cleanup } = testFiles();
  const ROOM = 'privatetests1';
  /** The private share of the first test, and the opaque id the room heard for it. */
  let privateShare: { id: string; opaqueId: string } | undefined;

  before(async () => {
    redis = await startRedis();
    monitor = spawn('redis-cli', ['-u', redis.url, 'MONITOR'], { stdio: ['ignore', 'pipe', 'inherit'] });
    monitor.stdout!.on('data', (d) => (redisTraffic += d));
    // Debug logs: everything the server would ever say about a message.
    [one, two] = await Promise.all([startServer({ REDIS_URL: redis.url, NODE_ENV: 'development' }), startServer({ REDIS_URL: redis.url, NODE_ENV: 'development' })]);
    [sharer, friend, stranger] = await Promise.all([launchBrowser(), launchBrowser(), launchBrowser()]);
    await Promise.all([openApp(sharer.page, `${one.url}/?room=${ROOM}`), openApp(friend.page, `${two.url}/?room=${ROOM}`), openApp(stranger.page, `${one.url}/?room=${ROOM}`)]);
  });
  after(async () => {
    await Promise.all([sharer?.close(), friend?.close(), stranger?.close()]);
    await Promise.all([one?.stop(), two?.stop()]);
    monitor?.kill('SIGTERM');
    redis?.process.kill('SIGTERM');
    await cleanup();
  });

  test('a private share downloads by its link; the servers, Redis and a room member without the link learn neither its name nor its id', async () => {
    const listener = await connectSignaling(one);
    listener.send({ type: 'join-room', room: ROOM, name: 'listener' });
    await listener.next('welcome');

    // A public share first: its name does reach Redis (so the search below can find a name).
    const open = await file('public-control-7f3a.txt', 5_000);
    await shareFromDisk(sharer.page, open.path, 'public-control-7f3a.txt');

    const secretFile = await file('quarterly-secret-9c2e.bin', 3 * 1024 * 1024);
    await showView(sharer.page, 'Files');
    await sharer.page.getByRole('checkbox', { name: /Private: only people with its link/ }).check();
    const id = await shareFromDisk(sharer.page, secretFile.path, 'quarterly-secret-9c2e.bin');
    const link = await sharer.page.locator(`li[data-share-id="${id}"] details.qr a`).getAttribute('href');
    assert.match(link!, new RegExp(`/\\?room=${ROOM}#/p/${id}\\.[A-Za-z0-9_-]{22}$`), 'the link carries the secret in its fragment');
    const secret = link!.split('.').pop()!;

    // The friend follows the link (same room: nothing to ask) and downloads it from the sharer.
    await friend.page.goto('about:blank');
    await friend.page.goto(link!.replace(one.url, two.url));
    const done = await waitForState(friend.page, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 60_000, 'the private download');
    const got = done.shares.find((x) => x.id === id)!;
    assert.equal(got.fileHash, secretFile.sha256);
    assert.equal(got.name, 'quarterly-secret-9c2e.bin', 'the friend sees its name (from the verified metadata)');
    await friend.page.locator(`li[data-share-id="${id}"]`).getByText('private', { exact: true }).waitFor();

    // The stranger in the same room never lists it; the public one it does.
    await waitForState(stranger.page, (s) => s.roomFiles.some((f) => f.name === 'public-control-7f3a.txt'), 15_000, 'the public share listed');
    const strangerState = await engineState(stranger.page);
    assert.deepEqual(strangerState.roomFiles.filter((f) => f.id === id || f.name.includes('quarterly')), []);

    // What a room member hears: an opaque id and a sealed summary, never the id, name or size.
    await new Promise((r) => setTimeout(r, 500));
    const heard = JSON.stringify(listener.inbox);
    const sealedAnnouncement = listener.inbox.flatMap((m) => (m.type === 'announce-file' ? (m.shares as { id: string; sealed?: string }[]) : [])).find((x) => x.sealed);
    privateShare = { id, opaqueId: sealedAnnouncement!.id };
    assert.ok(heard.includes('"sealed"'), 'a sealed announcement was heard');
    for (const secretThing of [id, 'quarterly-secret-9c2e', secret, String(3 * 1024 * 1024)]) assert.equal(heard.includes(secretThing), false, `signaling carried ${secretThing}`);
    listener.ws.close();

    await new Promise((r) => setTimeout(r, 300));
    assert.ok(redisTraffic.includes('public-control-7f3a.txt'), 'the public share\'s name is in the Redis traffic (the search works)');
    for (const [where, text] of [['Redis traffic', redisTraffic], ['server one\'s log', one.log()], ['server two\'s log', two.log()]] as const) {
      for (const secretThing of [id, 'quarterly-secret-9c2e', secret]) assert.equal(text.includes(secretThing), false, `${where} holds ${secretThing}`);
    }
  });

  test('a peer that knows only the opaque id cannot fetch a byte: a forged proof and a bare HANDSHAKE are refused', async () => {
    assert.ok(privateShare, 'the first test shared it');
    const { id, opaqueId } = privateShare;
    const sharerId = (await engineState(sharer.page)).selfId;
    // Peer C: a raw peer in a page, its signaling a test client in the room.
    const signaling = await connectSignaling(one);
    signaling.send({ type: 'join-room', room: ROOM, name: 'curious' });
    await signaling.next('welcome');
    const page = await stranger.context.newPage();
    try {
      await page.goto(`${one.url}/api/health`);
      await page.exposeFunction('rawOut', (message: Record<string, unknown>) => signaling.send({ ...message, to: sharerId }));
      await page.evaluate(await readFile(new URL('./raw-peer.js', import.meta.url), 'utf8'));
      let relaying = true;
      void (async () => {
        while (relaying) {
          const message = await signaling.next(undefined, 200).catch(() => undefined);
          if (message && message.from === sharerId && (message.type === 'answer' || message.type === 'ice-candidate')) await page.evaluate((m) => (globalThis as unknown as { rawPeer: { signal(m: unknown): Promise<void> } }).rawPeer.signal(m), message);
        }
      })();
      type Raw = { rawPeer: { open(n: number): Promise<void>; send(i: number, hex: string): Promise<boolean>; received: string[][] } };
      await page.evaluate(() => (globalThis as unknown as Raw).rawPeer.open(2));
      const send = (i: number, hex: string) => page.evaluate(([c, h]) => (globalThis as unknown as Raw).rawPeer.send(c, h), [i, hex] as const);
      // Channel 0: a hello with the opaque id, then a forged proof and a handshake behind it.
      await send(0, `0d${opaqueId}${randomBytes(32).toString('hex')}`);
      await new Promise((r) => setTimeout(r, 300));
      await send(0, `0f${randomBytes(32).toString('hex')}`);
      await send(0, `0101${id}`);
      // Channel 1: a handshake naming the share straight away (as if its id had leaked), then requests.
      await send(1, `0101${id}`);
      await send(1, '0800000000');
      await send(1, '0400000000');
      await new Promise((r) => setTimeout(r, 1_000));
      relaying = false;
      const received = await page.evaluate(() => (globalThis as unknown as Raw).rawPeer.received);
      const types = received.map((frames) => frames.map((f) => f.slice(0, 2)));
      assert.deepEqual(types[0]!.slice(0, 2), ['0e', '0a'], `channel 0: the seeder's proof, then ERROR (${types[0]})`);
      assert.equal(received[0]![1]!.slice(2, 4), '06', 'ERROR 6: not authenticated');
      assert.deepEqual(types[1]!.slice(0, 1), ['0a'], `channel 1: ERROR (${types[1]})`);
      assert.equal(received[1]![0]!.slice(2, 4), '02', 'ERROR 2: as if the share were not there');
      for (const frame of received.flat()) assert.ok(!['01', '02', '05', '09', '0b'].includes(frame.slice(0, 2)), `nothing of the share came back (${frame.slice(0, 2)})`);
      await waitForState(sharer.page, (s) => /curious asked for your private share quarterly-secret-9c2e\.bin and was refused/.test((s as unknown as { notice?: string }).notice ?? ''), 5_000, 'the sharer to say it refused');
    } finally {
      await page.close();
      signaling.ws.close();
    }
  });

  test('a link with its secret cut short, or damaged, says so; nothing is asked for, and the app goes on', async () => {
    const id = 'ab'.repeat(32);
    for (const [fragment, why] of [
      [`${id}.AAECAwQFBgcICQoLDA0`, 'the link\'s secret is cut short'],
      [`${id}.AAECAwQFBgcICQoLDA0ODx`, 'the link\'s secret is not valid'],
      [`${id.slice(2)}.AAECAwQFBgcICQoLDA0ODw`, 'the link does not name a share'],
    ]) {
      await friend.page.goto('about:blank');
      await friend.page.goto(`${two.url}/?room=${ROOM}#/p/${fragment}`);
      await friend.page.getByRole('alert').filter({ hasText: `That private link is broken: ${why}. Ask for the link again.` }).waitFor({ timeout: 10_000 });
      await friend.page.getByLabel('Signaling open').waitFor();
      assert.equal((await engineState(friend.page)).shares.filter((s) => s.id === id).length, 0);
    }
  });
});
