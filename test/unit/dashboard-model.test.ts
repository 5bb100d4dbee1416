/** The dashboard's numbers and the speed chart's feed (web/ui/dashboard-model.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialState, newPeer } from '../../web/engine/state.js';
import { StatsHistory } from '../../web/engine/stats-history.js';
import * as dashboardParts from '../../web/ui/dashboard-model.js';

const { dashboardCards, SpeedFeed } = dashboardParts;

const MiB = 1048576;

test('cards: peers in the room and connected, speeds from the last sample, totals, ratio, active transfers', () => {
  const history = new StatsHistory(10);
  const peers = [{ ...newPeer('a', 'Ann'), connection: 'connected' as const, bytesSent: 0, bytesReceived: 0 }, newPeer('b', 'Bob')];
  const state = { ...initialState('me', false), peers };
  history.sample(state, 0);
  const later = { ...state, peers: [{ ...peers[0]!, bytesSent: 2 * MiB, bytesReceived: 4 * MiB }, peers[1]!] };
  history.sample(later, 1000);
  const share = (status: string) => ({ id: status, name: status, size: 1, type: '', fileHash: undefined, files: undefined, origin: 'shared' as const, fromDisk: false, rooms: [''], status: status as never, bytesDone: 0, speed: 0, etaSeconds: null, sources: 0, error: undefined });
  const cards = dashboardCards({ ...later, shares: ['downloading', 'hashing', 'seeding', 'paused', 'error'].map(share) }, history);
  assert.deepEqual(cards, { peersInRoom: 2, peersConnected: 1, upload: 2 * MiB, download: 4 * MiB, totalSent: 2 * MiB, totalReceived: 4 * MiB, ratio: 0.5, activeTransfers: 2, seeding: 1 });
  assert.equal(dashboardCards(initialState('me', false), new StatsHistory(10)).ratio, null, 'no ratio before anything was received');
  const elsewhere = { ...share('seeding'), rooms: ['family'] };
  assert.equal(dashboardCards({ ...later, shares: [share('seeding'), elsewhere] }, history).seeding, 1, 'a share of another room is kept, not seeded here');
});

test('the chart feed is pushed in place and keeps the last 10 minutes, in MiB/s', () => {
  const feed = new SpeedFeed(3000);
  const up = feed.up;
  for (let i = 0; i < 5; i++) feed.push(Date.UTC(2026, 11, 1, 4, 0, i), i * MiB, 2 * i * MiB);
  assert.equal(feed.up, up, 'the same arrays: the chart holds them by reference');
  assert.deepEqual(feed.up.map((p) => p.x), [2, 3, 4].map((s) => Date.UTC(2026, 11, 1, 4, 0, s)), 'older than the window: dropped');
  assert.deepEqual(feed.up.map((p) => p.y), [2, 3, 4]);
  assert.deepEqual(feed.down.map((p) => p.y), [4, 6, 8]);
  const history = new StatsHistory(10);
  for (let t = 0; t <= 4; t++) history.sample({ ...initialState('me', false), peers: [{ ...newPeer('a', 'Ann'), bytesReceived: t * MiB }] }, t * 1000);
  const filled = new SpeedFeed();
  filled.fill(history);
  assert.deepEqual(filled.down, [1, 2, 3, 4].map((t) => ({ x: t * 1000, y: 1 })));
  // An empty history's latest time is NaN (the first sample is only the baseline): nothing is pushed.
  const empty = new StatsHistory(10);
  empty.sample(initialState('me', false), 0);
  filled.push(empty.times.latest(), 0, 0);
  assert.equal(filled.up.length, 4);
});

test('connection quality: direct or relayed only while connected, RTT in ms, failures', () => {
  const { connectionRows, healthRows } = dashboardParts;
  const peers = [
    { ...newPeer('a', 'Ann'), connection: 'connected' as const, path: 'srflx', rtt: 0.0234 },
    { ...newPeer('b', 'Bob'), connection: 'connected' as const, path: 'relay', rtt: 0.1 },
    { ...newPeer('c', 'Cy'), connection: 'failed' as const, path: 'host', failures: 2, lastFailure: 'connection failed: no candidate pair worked' },
  ];
  assert.deepEqual(
    connectionRows({ ...initialState('me', false), peers }).map((r) => [r.name, r.path, r.rttMs, r.failures]),
    [['Ann', 'direct', 23, 0], ['Bob', 'relayed', 100, 0], ['Cy', '—', null, 2]],
  );
  const health = healthRows({ ...initialState('me', true), signaling: 'open', reconnects: 2, dataPlane: 'worker', storageBackend: 'opfs' }, { used: 50 * MiB, limit: 100 * MiB }, 'ok', { reachable: true, ms: 35 });
  assert.deepEqual(health.map((h) => [h.label, h.value, h.ok]), [
    ['Signaling', 'open, 2 reconnects', true],
    ['TURN relay', 'reachable, 35 ms', true],
    ['Data plane', 'storage worker', true],
    ['Storage', 'OPFS', true],
    ['Relay only', 'on', true],
    ['JS heap', '50 MiB of 100 MiB', true],
    ['Server', 'ok', true],
  ]);
  assert.deepEqual(healthRows(initialState('me', false), undefined, 'degraded').map((h) => h.label), ['Signaling', 'TURN relay', 'Data plane', 'Storage', 'Relay only', 'Server'], 'no heap row where the browser does not expose it');
  const unreachable = healthRows(initialState('me', false), undefined, 'ok', { reachable: false, reason: '401 Unauthorized' }).find((h) => h.label === 'TURN relay')!;
  assert.deepEqual([unreachable.value, unreachable.ok], ['unreachable: 401 Unauthorized', false]);
  assert.equal(healthRows(initialState('me', false), undefined, 'ok').find((h) => h.label === 'TURN relay')!.value, 'checking…');
});

test('the RTT feed: a line per peer on the time axis, gaps where unknown, filled from the history', () => {
  const { RttFeed } = dashboardParts;
  const history = new StatsHistory(10);
  const at = (t: number, peers: ReturnType<typeof newPeer>[]) => history.sample({ ...initialState('me', false), peers }, t * 1000);
  const ann = { ...newPeer('a', 'Ann'), rtt: 0.02 };
  at(0, [ann]);
  at(1, [ann]);
  at(2, [ann, { ...newPeer('b', 'Bob') }]);
  at(3, [ann, { ...newPeer('b', 'Bob'), rtt: 0.05 }]);
  const names = new Map([['a', 'Ann'], ['b', 'Bob']]);
  const filled = new RttFeed();
  filled.fill(history, names);
  assert.deepEqual(
    filled.datasets.map((d) => [d.label, d.data]),
    [
      ['Ann', [{ x: 1000, y: 20 }, { x: 2000, y: 20 }, { x: 3000, y: 20 }]],
      ['Bob', [{ x: 2000, y: null }, { x: 3000, y: 50 }]],
    ],
    'a peer that came later starts later',
  );
  const feed = new RttFeed(3000);
  for (let t = 4; t < 8; t++) {
    at(t, t < 6 ? [ann, { ...newPeer('b', 'Bob'), rtt: 0.05 }] : [ann]);
    feed.push(history.times.latest(), history.peers, names);
  }
  assert.deepEqual(
    feed.datasets.map((d) => [d.label, d.data.map((p) => p.y)]),
    [
      ['Ann', [20, 20, 20]],
      ['Bob', [50, null, null]],
    ],
    'the last 3 s; Bob left: his line ends',
  );
  at(8, [ann]);
  feed.push(history.times.latest(), history.peers, names);
  assert.deepEqual(feed.datasets.map((d) => d.label), ['Ann'], 'a line with nothing left goes');
  feed.push(Number.NaN, history.peers, names);
  assert.equal(feed.datasets[0]!.data.length, 3, 'no time, no sample');
});
