/**
 * The engine's pure parts: the room roster reducer (web/engine/room-roster.ts) and the source
 * dialer's retry and ban policy (web/engine/source-dialer.ts), under mocked timers.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { ServerMessage } from '../../protocol/index.js';
import { announcedHolders, holdsShare, reduceRoster, type Roster } from '../../web/engine/room-roster.js';
import { SourceDialer } from '../../web/engine/source-dialer.js';

const A = 'a'.repeat(16);
const B = 'b'.repeat(16);
const S1 = { id: '1'.repeat(64), name: 'one.bin', size: 10 };
const S2 = { id: '2'.repeat(64), name: 'two.bin', size: 20 };
const empty: Roster = { selfId: undefined, room: undefined, peers: [], roomFiles: [] };
const welcome = (peers: { peerId: string; name: string }[]): ServerMessage => ({ type: 'welcome', peerId: 'me'.repeat(8), room: 'r', name: 'Me', peers, resumeToken: 'x'.repeat(43), resumed: false });

test('roster: welcome, joins, announcements, files and leaves', () => {
  let roster = reduceRoster(empty, welcome([{ peerId: A, name: 'Ann' }]));
  assert.equal(roster.selfId, 'me'.repeat(8));
  assert.deepEqual(roster.peers.map((p) => p.name), ['Ann']);
  roster = reduceRoster(roster, { type: 'peer-joined', peerId: B, name: 'Bob' });
  roster = reduceRoster(roster, { type: 'announce-file', from: A, shares: [S1] });
  roster = reduceRoster(roster, { type: 'files', holders: [{ peerId: B, shares: [S1, S2] }, { peerId: A, shares: [S1] }] });
  assert.deepEqual(roster.roomFiles.map((f) => [f.id, f.holders]), [[S1.id, [A, B]], [S2.id, [B]]], 'each holder once');
  assert.ok(holdsShare(roster, S2.id, B) && !holdsShare(roster, S2.id, A));
  roster = reduceRoster(roster, { type: 'withdraw-file', from: B, ids: [S1.id] });
  assert.deepEqual(roster.roomFiles.map((f) => [f.id, f.holders]), [[S1.id, [A]], [S2.id, [B]]], 'a withdrawal takes back only that holder of that share');
  roster = reduceRoster(roster, { type: 'withdraw-file', from: A, ids: [S1.id] });
  assert.deepEqual(roster.roomFiles.map((f) => f.id), [S2.id], 'withdrawn by its last holder, it leaves the list');
  roster = reduceRoster(roster, { type: 'peer-renamed', peerId: B, name: 'Robert' });
  assert.deepEqual(roster.peers.map((p) => p.name), ['Ann', 'Robert'], 'a rename keeps the peer (and its connection)');
  roster = reduceRoster(roster, { type: 'peer-left', peerId: B });
  assert.deepEqual(roster.peers.map((p) => p.peerId), [A]);
  assert.deepEqual(roster.roomFiles, [], 'a share nobody holds leaves the list');
});

test('roster: a welcome keeps the counters of peers still known and clears the files; other messages change nothing', () => {
  let roster = reduceRoster(empty, welcome([{ peerId: A, name: 'Ann' }]));
  roster = { ...roster, peers: roster.peers.map((p) => ({ ...p, bytesReceived: 500 })) };
  roster = reduceRoster(roster, { type: 'announce-file', from: A, shares: [S1] });
  const again = reduceRoster(roster, welcome([{ peerId: A, name: 'Ann 2' }, { peerId: B, name: 'Bob' }]));
  assert.deepEqual(again.peers.map((p) => [p.name, p.bytesReceived]), [['Ann 2', 500], ['Bob', 0]]);
  assert.deepEqual(again.roomFiles, []);
  for (const message of [{ type: 'pong' }, { type: 'offer', from: A, sdp: 'v=0' }, { type: 'error', code: 'rate-limited', message: 'slow down' }] as ServerMessage[]) {
    assert.equal(reduceRoster(again, message), again, message.type);
  }
  assert.deepEqual(announcedHolders({ type: 'files', holders: [{ peerId: B, shares: [S1, S2] }] }), [{ peerId: B, shareId: S1.id }, { peerId: B, shareId: S2.id }]);
});

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

/** A dialer whose connections fail while `failing` holds the peer; records every attempt and end. */
function dialer(failing: Set<string>, holds = () => true) {
  const attempts: string[] = [];
  const ended: string[] = [];
  const d = new SourceDialer({
    connect: async (_shareId, remoteId) => {
      attempts.push(remoteId);
      if (failing.has(remoteId)) throw new Error('unreachable');
    },
    holds,
    onEnded: (_shareId, remoteId, reason, _detail, banned) => ended.push(`${remoteId} ${reason}${banned ? ' banned' : ''}`),
    retryMinMs: 1000,
    retryMaxMs: 8000,
  });
  return { d, attempts, ended };
}
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('dialer: a failing source is retried with doubling backoff up to the cap; success resets it', async () => {
  const failing = new Set([A]);
  const { d, attempts } = dialer(failing);
  const abort = new AbortController();
  d.open(S1.id, abort.signal);
  await d.dial(S1.id, A);
  const times: number[] = [];
  let clock = 0;
  for (const step of [999, 1, 1999, 1, 3999, 1, 7999, 1, 7999, 1]) {
    const before = attempts.length;
    mock.timers.tick(step);
    clock += step;
    await settle();
    if (attempts.length > before) times.push(clock);
  }
  assert.deepEqual(times, [1000, 3000, 7000, 15000, 23000], 'retries after 1, 2, 4, 8, 8 s');
  failing.delete(A);
  mock.timers.tick(8000);
  await settle();
  assert.equal(attempts.length, 7, 'connected on the 7th attempt');
  d.ended(S1.id, A, 'closed', 'channel closed');
  mock.timers.tick(1000);
  await settle();
  assert.equal(attempts.length, 8, 'after a success the backoff starts again at 1 s');
  abort.abort();
});

test('dialer: bad data or a protocol violation bans the peer for that share only; one dial per source at a time', async () => {
  const { d, attempts, ended } = dialer(new Set());
  const abort = new AbortController();
  d.open(S1.id, abort.signal);
  d.open(S2.id, abort.signal);
  await Promise.all([d.dial(S1.id, A), d.dial(S1.id, A)]);
  assert.deepEqual(attempts, [A], 'a source that is connecting or connected is not dialed again');
  d.ended(S1.id, A, 'bad-data', 'chunk 3 failed SHA-256');
  mock.timers.tick(60_000);
  await settle();
  await d.dial(S1.id, A);
  assert.deepEqual(attempts, [A], 'never asked again for that share');
  assert.ok(d.isBanned(S1.id, A));
  await d.dial(S2.id, A);
  assert.deepEqual(attempts, [A, A], 'still asked for another share');
  d.ended(S2.id, A, 'protocol', 'bitfield before the handshake');
  assert.deepEqual(ended, [`${A} bad-data banned`, `${A} protocol banned`]);
  abort.abort();
});

test('dialer: no retry once the download is aborted or the peer no longer holds the share', async () => {
  let holding = true;
  const { d, attempts } = dialer(new Set([A, B]), () => holding);
  const abort = new AbortController();
  d.open(S1.id, abort.signal);
  await d.dial(S1.id, A);
  abort.abort();
  mock.timers.tick(60_000);
  await settle();
  assert.deepEqual(attempts, [A], 'the abort cancelled the pending retry');
  await d.dial(S1.id, B);
  assert.deepEqual(attempts, [A], 'an aborted download dials nobody');
  const again = new AbortController();
  d.open(S1.id, again.signal);
  await d.dial(S1.id, B);
  holding = false;
  mock.timers.tick(60_000);
  await settle();
  assert.deepEqual(attempts, [A, B], 'B left the share: not retried');
  again.abort();
});
