/**
 * Signaling identity and admission against the real server: resume tokens (identity and
 * announcements back after a reconnect, single use), the Origin allow-list, sockets per address,
 * and X-Forwarded-For only behind a trusted proxy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type RunningServer } from './harness.js';
import { connectSignaling, type SignalingTestClient } from './ws-client.js';

const connect = (server: RunningServer, headers: Record<string, string> = {}): Promise<SignalingTestClient> => connectSignaling(server, { headers });

const SHARE = { id: 'c'.repeat(64), name: 'kept.bin', size: 42 };

describe('signaling identity and admission', { timeout: 60_000 }, () => {
  let server: RunningServer;
  let strict: RunningServer;

  before(async () => {
    [server, strict] = await Promise.all([
      startServer(),
      startServer({ ALLOWED_ORIGINS: 'http://good.example', SIGNALING_MAX_SOCKETS_PER_IP: '3', TRUST_PROXY: '1' }),
    ]);
  });
  after(async () => {
    await Promise.all([server?.stop(), strict?.stop()]);
  });

  test('a resume token gives back the peer id and its announcements, once', async () => {
    const watcher = await connect(server);
    watcher.send({ type: 'join-room', room: 'resume-room', name: 'watcher' });
    await watcher.next('welcome');

    const first = await connect(server);
    first.send({ type: 'join-room', room: 'resume-room', name: 'alice' });
    const welcome = await first.next('welcome');
    assert.match(welcome.resumeToken, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(welcome.resumed, false);
    first.send({ type: 'announce-file', shares: [SHARE] });
    await watcher.next('announce-file');
    first.ws.close();
    assert.equal((await watcher.next('peer-left')).peerId, welcome.peerId);

    const again = await connect(server);
    again.send({ type: 'join-room', room: 'resume-room', name: 'alice', resume: welcome.resumeToken });
    const back = await again.next('welcome');
    assert.equal(back.peerId, welcome.peerId, 'same identity');
    assert.equal(back.resumed, true);
    assert.notEqual(back.resumeToken, welcome.resumeToken, 'a fresh token each time');
    assert.equal((await watcher.next('peer-joined')).peerId, welcome.peerId);
    const announced = await watcher.next('announce-file');
    assert.deepEqual([announced.from, announced.shares], [welcome.peerId, [SHARE]], 'announcements restored without re-announcing');

    const thief = await connect(server);
    thief.send({ type: 'join-room', room: 'resume-room', resume: welcome.resumeToken });
    const stolen = await thief.next('welcome');
    assert.notEqual(stolen.peerId, welcome.peerId, 'a used token gives nothing');
    assert.equal(stolen.resumed, false);
    thief.send({ type: 'join-room', resume: 'not a token' });
    assert.equal((await thief.next('error')).code, 'bad-message');
    for (const c of [watcher, again, thief]) c.ws.close();
  });

  test('origins outside ALLOWED_ORIGINS get a typed error and are closed; allowed ones join', async () => {
    const evil = await connect(strict, { origin: 'http://evil.example', 'x-forwarded-for': '198.51.100.1' });
    assert.equal((await evil.next('error')).code, 'origin-not-allowed');
    assert.equal(await evil.closed, 1008);
    const good = await connect(strict, { origin: 'http://good.example', 'x-forwarded-for': '198.51.100.1' });
    good.send({ type: 'join-room' });
    assert.ok((await good.next('welcome')).peerId);
    good.ws.close();
  });

  test('sockets per address are capped; the others keep working', async () => {
    const headers = { origin: 'http://good.example', 'x-forwarded-for': '198.51.100.7' };
    const clients = [await connect(strict, headers), await connect(strict, headers), await connect(strict, headers)];
    const extra = await connect(strict, headers);
    assert.equal((await extra.next('error')).code, 'limit');
    assert.equal(await extra.closed, 1008);
    for (const client of clients) {
      client.send({ type: 'ping' });
      await client.next('pong');
    }
    const elsewhere = await connect(strict, { origin: 'http://good.example', 'x-forwarded-for': '198.51.100.8' });
    elsewhere.send({ type: 'ping' });
    await elsewhere.next('pong');
    for (const c of [...clients, elsewhere]) c.ws.close();
  });

  test('behind a trusted proxy, the address it appended counts: a spoofed first X-Forwarded-For entry does not', async () => {
    // The client writes its own X-Forwarded-For; the proxy appends the address it really saw.
    const spoofed = (n: number) => ({ origin: 'http://good.example', 'x-forwarded-for': `203.0.113.${n}, 198.51.100.30` });
    const clients = [await connect(strict, spoofed(1)), await connect(strict, spoofed(2)), await connect(strict, spoofed(3))];
    const extra = await connect(strict, spoofed(4));
    assert.equal((await extra.next('error')).code, 'limit', 'four sockets from 198.51.100.30, whatever they claim to be');
    assert.equal(await extra.closed, 1008);
    // ... and they share one address room, the proxy-seen address's, not four rooms of their choosing.
    clients[0]!.send({ type: 'join-room' });
    clients[1]!.send({ type: 'join-room' });
    assert.equal((await clients[0]!.next('welcome')).room, (await clients[1]!.next('welcome')).room);
    for (const c of clients) c.ws.close();
  });

  test('a socket is in one room at a time: joining another leaves the first', async () => {
    const stay = await connect(server);
    stay.send({ type: 'join-room', room: 'first-room' });
    await stay.next('welcome');
    const mover = await connect(server);
    mover.send({ type: 'join-room', room: 'first-room' });
    const { peerId } = await mover.next('welcome');
    await stay.next('peer-joined');
    mover.send({ type: 'join-room', room: 'second-room' });
    assert.equal((await mover.next('welcome')).room, 'second-room');
    assert.equal((await stay.next('peer-left')).peerId, peerId);
    stay.send({ type: 'offer', to: peerId, sdp: 'v=0' });
    assert.equal((await stay.next('error')).code, 'unknown-peer');
    stay.ws.close();
    mover.ws.close();
  });

  test('a client that stops reading is closed at the backpressure limit; its senders carry on', async () => {
    const slow = await connect(server);
    slow.send({ type: 'join-room', room: 'backpressure' });
    const { peerId } = await slow.next('welcome');
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // reads nothing more
    const senders = await Promise.all(Array.from({ length: 5 }, () => connect(server)));
    for (const sender of senders) {
      sender.send({ type: 'join-room', room: 'backpressure' });
      await sender.next('welcome');
    }
    const sdp = 'x'.repeat(30_000);
    const closedAt = await new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const timer = setInterval(() => {
        for (const sender of senders) sender.send({ type: 'offer', to: peerId, sdp }); // 10/s each: under the rate limit
        if (Date.now() - started > 60_000) reject(new Error('the slow client was never closed'));
      }, 100);
      const poll = setInterval(async () => {
        const health = await (await fetch(`${server.url}/api/health`)).json();
        if (health.peers === senders.length) {
          clearInterval(timer);
          clearInterval(poll);
          resolve(Date.now() - started);
        }
      }, 200);
    });
    assert.ok(closedAt < 60_000);
    for (const sender of senders) {
      sender.send({ type: 'ping' });
      await sender.next('pong');
      sender.ws.close();
    }
    slow.ws.terminate();
  });

  test('X-Forwarded-For decides the default room only behind a trusted proxy', async () => {
    const room = async (target: RunningServer, address: string) => {
      const client = await connect(target, { origin: 'http://good.example', 'x-forwarded-for': address });
      client.send({ type: 'join-room' });
      const { room: name } = await client.next('welcome');
      client.ws.close();
      return name as string;
    };
    assert.notEqual(await room(strict, '203.0.113.1'), await room(strict, '203.0.113.2'), 'trusted: two addresses, two rooms');
    assert.equal(await room(server, '203.0.113.1'), await room(server, '203.0.113.2'), 'untrusted: the header is ignored');
  });
});
