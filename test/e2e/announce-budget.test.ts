/**
 * What one address can make the signaling server send to a room, against the real server: repeated
 * announcements are not news, a rejoin loop is cut off by the address's budget while other
 * addresses join as usual, the sockets of one address together announce at most 512 shares, a
 * newcomer's snapshot is bounded and fair, announcements past the address's egress budget are paced
 * and none is lost, and the answer to request-file names at most 64 holders.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startServer, type RunningServer } from './harness.js';
import { connectSignaling, type SignalingTestClient } from './ws-client.js';

const newShare = () => ({ id: randomBytes(32).toString('hex'), name: `${randomBytes(58).toString('hex')}.bin`, size: 1234 });
const newShares = (n: number) => Array.from({ length: n }, newShare);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function member(server: RunningServer, room: string, localAddress: string, countOnly = false): Promise<SignalingTestClient> {
  const client = await connectSignaling(server, { localAddress, countOnly });
  client.send({ type: 'join-room', room, name: localAddress });
  if (!countOnly) await client.next('welcome');
  else await sleep(50);
  return client;
}

const announcedTo = (client: SignalingTestClient) => client.inbox.filter((m) => m.type === 'announce-file').flatMap((m) => m.shares as { id: string }[]);

describe('what one address can make the server send', { timeout: 120_000 }, () => {
  let server: RunningServer;
  const open: SignalingTestClient[] = [];
  const track = (c: SignalingTestClient) => (open.push(c), c);
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const c of open) c.ws.terminate();
    await server?.stop();
  });

  test('announcing the same shares again is not news: the room hears them once', async () => {
    const listener = track(await member(server, 'delta-room', '127.0.0.1'));
    const sharer = track(await member(server, 'delta-room', '127.0.0.20'));
    const shares = newShares(3);
    sharer.send({ type: 'announce-file', shares });
    for (let i = 0; i < 5; i++) sharer.send({ type: 'announce-file', shares: [...shares].reverse() });
    sharer.send({ type: 'announce-file', shares: [shares[0], newShare()] });
    await sleep(500);
    assert.equal(announcedTo(listener).length, 4, 'three shares, then the one new share');
    assert.equal(listener.inbox.filter((m) => m.type === 'announce-file').length, 2);
  });

  test('a rejoin loop into a full room is cut off by the address budget; other addresses still join', async () => {
    // The room holds what 16 members announced (256 each, from 16 addresses): every snapshot is ~180 KiB.
    for (let i = 0; i < 16; i++) {
      const holder = track(await member(server, 'rejoin-room', `127.0.1.${i + 1}`));
      holder.send({ type: 'announce-file', shares: newShares(256) });
    }
    const watcher = track(await member(server, 'rejoin-room', '127.0.0.1', true));
    await sleep(500);
    const attacker = track(await connectSignaling(server, { localAddress: '127.0.0.21', countOnly: true }));
    const start = watcher.bytes.received;
    for (let i = 0; i < 60; i++) {
      attacker.send({ type: 'join-room', room: 'rejoin-room' });
      await sleep(50);
    }
    await sleep(500);
    const snapshotBytes = 180 * 1024;
    assert.ok(attacker.bytes.received < 4 * 1024 * 1024 + 2 * snapshotBytes, `the attacker got ${attacker.bytes.received} bytes for 60 joins (4 MiB budget)`);
    assert.ok(watcher.bytes.received - start < 60 * 200, 'the room heard of a bounded number of rejoins');
    const honest = track(await connectSignaling(server, { localAddress: '127.0.0.22' }));
    honest.send({ type: 'join-room', room: 'rejoin-room' });
    await honest.next('welcome');
  });

  test('the sockets of one address announce at most 512 shares; a newcomer\'s snapshot is bounded and fair', async () => {
    const sockets = [];
    for (let i = 0; i < 4; i++) sockets.push(track(await member(server, 'cap-room', '127.0.0.23')));
    for (const socket of sockets) socket.send({ type: 'announce-file', shares: newShares(256) });
    const refusal = await sockets[2]!.next('error');
    assert.equal(refusal.code, 'limit');
    assert.match(refusal.message, /512 per address/);
    await sockets[3]!.next('error');
    // Three more addresses with 256 shares each: 1,280 shares in the room, more than one snapshot holds.
    for (let i = 0; i < 3; i++) track(await member(server, 'cap-room', `127.0.2.${i + 1}`)).send({ type: 'announce-file', shares: newShares(256) });
    await sleep(500);
    const newcomer = track(await connectSignaling(server, { localAddress: '127.0.0.24' }));
    newcomer.send({ type: 'join-room', room: 'cap-room' });
    await newcomer.next('welcome');
    const holders = (await newcomer.next('files')).holders as { peerId: string; shares: unknown[] }[];
    const total = holders.reduce((n, h) => n + h.shares.length, 0);
    assert.equal(holders.length, 5, 'every holder is in it: 2 sockets of the capped address and 3 others');
    assert.ok(total <= 1024, `${total} shares in the snapshot`);
    assert.ok(holders.every((h) => h.shares.length >= 200), `each holder gets a fair part: ${holders.map((h) => h.shares.length)}`);
  });

  test('announcements past the address\'s egress budget are paced, and every listener gets every share', async () => {
    const listeners = [];
    for (let i = 0; i < 40; i++) listeners.push(track(await member(server, 'paced-room', `127.0.3.${i + 1}`)));
    const a = track(await member(server, 'paced-room', '127.0.0.25'));
    const b = track(await member(server, 'paced-room', '127.0.0.25'));
    // 512 shares of ~225 bytes to 41 others: ~4.7 MB, past the 4 MiB burst of one address.
    const shares = newShares(512);
    a.send({ type: 'announce-file', shares: shares.slice(0, 256) });
    b.send({ type: 'announce-file', shares: shares.slice(256) });
    await sleep(300);
    const early = announcedTo(listeners[0]!).length;
    assert.ok(early < 512, `the budget held some back at first (${early} of 512 arrived at once)`);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !listeners.every((l) => announcedTo(l).length >= 512)) await sleep(250);
    for (const listener of listeners) {
      const got = announcedTo(listener).map((s) => s.id);
      assert.equal(new Set(got).size, 512, 'all 512, none twice');
      assert.equal(got.length, 512);
    }
  });

  test('an answer to request-file names at most 64 holders', async () => {
    const wanted = newShare();
    for (let i = 0; i < 70; i++) track(await member(server, 'holders-room', `127.0.4.${i + 1}`)).send({ type: 'announce-file', shares: [wanted] });
    await sleep(300);
    const asker = track(await member(server, 'holders-room', '127.0.0.26'));
    assert.equal((await asker.next('files')).holders.length, 70, 'the snapshot after welcome names all 70 (one share each)');
    asker.send({ type: 'request-file', id: wanted.id });
    assert.equal((await asker.next('files')).holders.length, 64);
  });
});
