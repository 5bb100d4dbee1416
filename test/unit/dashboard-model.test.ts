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
  const share = (status: string) => ({ id: status, name: status, size: 1, type: '', fileHash: undefined, files: undefined, origin: 'shared' as const, status: status as never, bytesDone: 0, speed: 0, etaSeconds: null, sources: 0, error: undefined });
  const cards = dashboardCards({ ...later, shares: ['downloading', 'hashing', 'seeding', 'paused', 'error'].map(share) }, history);
  assert.deepEqual(cards, { peersInRoom: 2, peersConnected: 1, upload: 2 * MiB, download: 4 * MiB, totalSent: 2 * MiB, totalReceived: 4 * MiB, ratio: 0.5, activeTransfers: 2, seeding: 1 });
  assert.equal(dashboardCards(initialState('me', false), new StatsHistory(10)).ratio, null, 'no ratio before anything was received');
});

test('the chart feed is pushed in place and keeps the last `max` samples, in MiB/s', () => {
  const feed = new SpeedFeed(3);
  const labels = feed.labels;
  for (let i = 0; i < 5; i++) feed.push(Date.UTC(2026, 11, 1, 4, 0, i), i * MiB, 2 * i * MiB);
  assert.equal(feed.labels, labels, 'the same arrays: the chart holds them by reference');
  assert.deepEqual(feed.labels, ['04:00:02', '04:00:03', '04:00:04']);
  assert.deepEqual(feed.up, [2, 3, 4]);
  assert.deepEqual(feed.down, [4, 6, 8]);
  const history = new StatsHistory(10);
  for (let t = 0; t <= 4; t++) history.sample({ ...initialState('me', false), peers: [{ ...newPeer('a', 'Ann'), bytesReceived: t * MiB }] }, t * 1000);
  const filled = new SpeedFeed(600);
  filled.fill(history);
  assert.deepEqual(filled.down, [1, 1, 1, 1]);
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
  const health = healthRows({ ...initialState('me', true), signaling: 'open', dataPlane: 'worker', storageBackend: 'opfs' }, { used: 50 * MiB, limit: 100 * MiB }, 'ok');
  assert.deepEqual(health.map((h) => [h.label, h.value, h.ok]), [
    ['Signaling', 'open', true],
    ['Data plane', 'storage worker', true],
    ['Storage', 'OPFS', true],
    ['Relay only', 'on', true],
    ['JS heap', '50 MiB of 100 MiB', true],
    ['Server', 'ok', true],
  ]);
  assert.deepEqual(healthRows(initialState('me', false), undefined, 'degraded').map((h) => h.label), ['Signaling', 'Data plane', 'Storage', 'Relay only', 'Server'], 'no heap row where the browser does not expose it');
});
