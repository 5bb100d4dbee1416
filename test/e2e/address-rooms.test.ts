/**
 * The room of a public address belongs to that address: the server puts a client there from the
 * connection's address alone. Clients on 127.0.0.2 and 127.0.0.3 (all of 127/8 is loopback, so
 * each is its own "public address" here) land in different rooms, and the second can reach the
 * first's room by no name: not the name the server gave it, not any other spelling of the prefix,
 * not the name an unkeyed hash of the address would give. It never sees the first's files.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startServer, type RunningServer } from './harness.js';
import { connectSignaling } from './ws-client.js';

const SHARE = { id: 'a'.repeat(64), name: 'holiday-photos.zip', size: 1234 };

describe('address rooms', { timeout: 60_000 }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.stop());

  test('clients on different addresses land in different rooms; no name reaches another address room', async () => {
    const alice = await connectSignaling(server, { localAddress: '127.0.0.2' });
    alice.send({ type: 'join-room', name: 'alice' });
    const aliceRoom = (await alice.next('welcome')).room as string;
    alice.send({ type: 'announce-file', shares: [SHARE] });

    const aliceTwin = await connectSignaling(server, { localAddress: '127.0.0.2' });
    aliceTwin.send({ type: 'join-room', name: 'alice-laptop' });
    assert.equal((await aliceTwin.next('welcome')).room, aliceRoom, 'one address, one room (the LAN case)');
    assert.equal((await aliceTwin.next('files')).holders[0].shares[0].name, SHARE.name, 'and sees what its address shares');

    const mallory = await connectSignaling(server, { localAddress: '127.0.0.3' });
    mallory.send({ type: 'join-room', name: 'mallory' });
    const welcome = await mallory.next('welcome');
    assert.notEqual(welcome.room, aliceRoom);
    assert.deepEqual(welcome.peers, []);
    assert.deepEqual((await mallory.next('files')).holders, []);

    const unkeyed = `ip-${createHash('sha256').update('127.0.0.2').digest('base64url').slice(0, 16)}`;
    assert.notEqual(aliceRoom, unkeyed, 'the name is keyed: it cannot be computed from the address');
    for (const name of [aliceRoom, unkeyed, aliceRoom.replace(/^ip-/, 'IP-'), 'ip-', 'Ip-x']) {
      mallory.send({ type: 'join-room', room: name, name: 'mallory' });
      const refusal = await mallory.next('error');
      assert.equal(refusal.code, 'reserved-room', name);
      assert.match(refusal.message, /join without a room/);
    }
    mallory.send({ type: 'request-file', id: SHARE.id });
    assert.deepEqual((await mallory.next('files')).holders, [], 'still in its own room, where no one holds the share');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!mallory.inbox.some((m) => m.type === 'announce-file' || m.type === 'peer-joined'), JSON.stringify(mallory.inbox));
    assert.ok(!JSON.stringify(mallory.inbox).includes(SHARE.name));
    for (const c of [alice, aliceTwin, mallory]) c.ws.close();
  });
});
