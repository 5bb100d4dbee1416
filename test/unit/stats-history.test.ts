/** The engine's stats history (web/engine/stats-history.ts): rates from counters, bounded memory. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialState, newPeer, type EngineState, type PeerState } from '../../web/engine/state.js';
import { RingBuffer, StatsHistory } from '../../web/engine/stats-history.js';

test('a ring buffer keeps the last `capacity` values, oldest first', () => {
  const ring = new RingBuffer(3);
  assert.deepEqual(ring.toArray(), []);
  assert.ok(Number.isNaN(ring.latest()));
  for (const v of [1, 2, 3, 4, 5]) ring.push(v);
  assert.deepEqual(ring.toArray(), [3, 4, 5]);
  assert.equal(ring.latest(), 5);
  assert.equal(ring.length, 3);
});

const peer = (id: string, patch: Partial<PeerState>): PeerState => ({ ...newPeer(id, id), ...patch });
const state = (peers: PeerState[], shares: { id: string; bytesDone: number }[] = []): EngineState => ({
  ...initialState('me', false),
  peers,
  shares: shares.map((s) => ({ id: s.id, name: s.id, size: 100, type: '', fileHash: undefined, files: undefined, origin: 'downloaded', fromDisk: false, rooms: [''], status: 'downloading', bytesDone: s.bytesDone, speed: 0, etaSeconds: null, sources: 1, error: undefined })),
});

test('samples are per-second rates of the counters, in total, per peer and per share', () => {
  const history = new StatsHistory(10);
  history.sample(state([peer('a', { bytesReceived: 1000, bytesSent: 0 })], [{ id: 's', bytesDone: 1000 }]), 0);
  assert.equal(history.times.length, 0, 'the first call is the baseline');
  history.sample(state([peer('a', { bytesReceived: 3000, bytesSent: 500, chunksReceived: 4, badChunks: 1, rtt: 0.012, path: 'relay' }), peer('b', { bytesSent: 7000 })], [{ id: 's', bytesDone: 3000 }]), 2000);
  assert.deepEqual(history.down.toArray(), [1000], '2000 bytes in 2 s');
  assert.deepEqual(history.up.toArray(), [3750], 'a new peer counts from zero: (500 + 7000) bytes in 2 s');
  assert.deepEqual(history.verified.toArray(), [2]);
  assert.deepEqual(history.rejected.toArray(), [0.5]);
  assert.deepEqual(history.peers.get('a')!.rtt.toArray(), [12]);
  assert.equal(history.peers.get('a')!.path, 'relay');
  assert.deepEqual(history.shares.get('s')!.toArray(), [1000]);
  assert.deepEqual(history.times.toArray(), [2000]);
});

test('memory stays bounded: fixed-length series, and series of peers and shares that are gone are dropped', () => {
  const history = new StatsHistory(600);
  const peers = Array.from({ length: 24 }, (_, i) => `p${i}`);
  for (let t = 0; t <= 10_000; t++) {
    const present = t < 9_000 ? peers : peers.slice(0, 2);
    history.sample(state(present.map((id) => peer(id, { bytesReceived: t * 65536 })), t < 9_000 ? [{ id: 's', bytesDone: t }] : []), t * 1000);
  }
  assert.equal(history.down.length, 600, 'ten minutes at 1 Hz');
  assert.deepEqual([...history.peers.keys()], ['p0', 'p1'], 'peers that left are forgotten');
  assert.equal(history.shares.size, 0, 'a removed share is forgotten');
  assert.deepEqual(history.down.toArray().slice(-3), [2 * 65536, 2 * 65536, 2 * 65536]);
  assert.ok(history.peers.get('p0')!.down.length === 600);
});

test('a counter that goes down (a peer back with fresh counters) is a rate of zero, never negative', () => {
  const history = new StatsHistory(10);
  history.sample(state([peer('a', { bytesReceived: 5000 })]), 0);
  history.sample(state([peer('a', { bytesReceived: 100 })]), 1000);
  assert.deepEqual(history.down.toArray(), [0]);
});

test('the session totals keep what peers that left sent and received', () => {
  const history = new StatsHistory(10);
  history.sample(state([peer('a', { bytesReceived: 1000 })]), 0);
  history.sample(state([peer('a', { bytesReceived: 5000, bytesSent: 300 })]), 1000);
  history.sample(state([]), 2000); // a left
  history.sample(state([peer('b', { bytesReceived: 200 })]), 3000);
  assert.equal(history.totalReceived, 4200, 'counted from the baseline, a\'s bytes kept after it left');
  assert.equal(history.totalSent, 300);
});
