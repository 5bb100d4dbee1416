/**
 * The views' logic apart from drawing: hash routes and share links (web/ui/routes.ts), the toasts'
 * share events (toast-model.ts), the torrent list's chunk map, sparkline, filter and sort
 * (transfers-model.ts), the peer graph's model (graph-model.ts) and the QR code's path (qr-code.ts
 * needs a DOM, so its path function is checked through uqr directly).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from 'uqr';
import { blankShare, initialState, newPeer, type ShareState } from '../../web/engine/state.js';
import { StatsHistory } from '../../web/engine/stats-history.js';
import { graphModel, linkWidth, pathText, SELF_ID } from '../../web/ui/graph-model.js';
import { parseRoute, shareLink, viewHref } from '../../web/ui/routes.js';
import { activeTransfers, ShareEventTracker } from '../../web/ui/toast-model.js';
import { chunkMapCells, filterTransfers, sortTransfers, sparklinePoints } from '../../web/ui/transfers-model.js';

const ID = 'ab'.repeat(32);
const share = (id: string, name: string, status: ShareState['status'], extra: Partial<ShareState> = {}): ShareState => ({ ...blankShare(id, name, 100, ''), status, origin: 'downloaded', ...extra });

test('routes: each view by its hash, share links by id, anything else the default view', () => {
  assert.deepEqual(parseRoute('#/network', 'dashboard'), { view: 'network' });
  assert.deepEqual(parseRoute('#settings', 'dashboard'), { view: 'settings' });
  assert.deepEqual(parseRoute('', 'files'), { view: 'files' });
  assert.deepEqual(parseRoute('#/nowhere', 'transfers'), { view: 'transfers' });
  assert.deepEqual(parseRoute('#/constructor', 'files'), { view: 'files' }, 'no inherited property is a view');
  assert.deepEqual(parseRoute(`#/s/${ID.toUpperCase()}`, 'dashboard'), { view: 'files', shareId: ID });
  assert.deepEqual(parseRoute('#/s/abc', 'dashboard'), { view: 'dashboard' }, 'not a share id');
  assert.deepEqual(parseRoute(`#/s/${ID}/more`, 'dashboard'), { view: 'dashboard' });
  assert.deepEqual(parseRoute('#/s/%E0%A4%A', 'dashboard'), { view: 'dashboard' }, 'a malformed escape is no share link');
  assert.equal(viewHref('files'), '#/files');
  assert.equal(shareLink('https://shoal.example/?room=k3Jd8sWq0pLm&relay=1#/files', ID), `https://shoal.example/?room=k3Jd8sWq0pLm#/s/${ID}`, 'the room stays, nothing else');
  assert.equal(shareLink('https://shoal.example/?plane=page#/transfers', ID), `https://shoal.example/#/s/${ID}`);
});

test('toasts: a finished download, a share done hashing (under its new id), a failure; nothing for what was there at load', () => {
  const tracker = new ShareEventTracker();
  assert.deepEqual(tracker.next([share('old', 'old.bin', 'seeding'), share('bad', 'bad.bin', 'error')]), [], 'the first list is the starting point');
  assert.deepEqual(tracker.next([share('old', 'old.bin', 'seeding'), share('d', 'd.bin', 'downloading'), share('pending-1', 'mine.txt', 'hashing', { origin: 'shared' })]), []);
  assert.deepEqual(tracker.next([share('old', 'old.bin', 'seeding'), share('d', 'd.bin', 'downloading')]), [], 'the hashed share left its temporary id');
  assert.deepEqual(tracker.next([share('old', 'old.bin', 'seeding'), share('d', 'd.bin', 'seeding'), share('m', 'mine.txt', 'seeding', { origin: 'shared' })]), [
    { kind: 'downloaded', shareId: 'd', name: 'd.bin' },
    { kind: 'shared', shareId: 'm', name: 'mine.txt' },
  ]);
  assert.deepEqual(tracker.next([share('d', 'd.bin', 'seeding'), share('m', 'mine.txt', 'seeding', { origin: 'shared' }), share('x', 'x.bin', 'error', { error: 'the peer left' })]), [], 'a failure first seen as failed is not news');
  assert.deepEqual(tracker.next([share('d', 'd.bin', 'seeding'), share('x', 'x.bin', 'downloading')]), []);
  assert.deepEqual(tracker.next([share('d', 'd.bin', 'seeding'), share('x', 'x.bin', 'error', { error: 'the peer left' })]), [{ kind: 'failed', shareId: 'x', name: 'x.bin', detail: 'the peer left' }]);
  assert.equal(activeTransfers([share('a', 'a', 'downloading'), share('b', 'b', 'hashing'), share('c', 'c', 'seeding'), share('d', 'd', 'paused'), share('e', 'e', 'stalled')]), 3);
});

test('chunk map: each cell as full as its chunks, with fewer or more cells than chunks', () => {
  // 10 chunks: 0, 1, 2 and 9 stored (bits 7-0 of byte 0 are chunks 0-7).
  const bits = new Uint8Array([0b1110_0000, 0b0100_0000]);
  assert.deepEqual([...chunkMapCells(bits, 10, 5)], [1, 0.5, 0, 0, 0.5]);
  assert.deepEqual([...chunkMapCells(bits, 10, 20)].slice(0, 8), [1, 1, 1, 1, 1, 1, 0, 0], 'a chunk spans two cells');
  assert.deepEqual([...chunkMapCells(new Uint8Array(0), 0, 3)], [0, 0, 0]);
  const full = new Uint8Array(8).fill(0xff);
  assert.ok([...chunkMapCells(full, 64, 160)].every((fill) => fill === 1));
});

test('sparkline: scaled to the largest value, newest on the right', () => {
  assert.equal(sparklinePoints([0, 5, 10], 90, 20), '0.0,20.0 45.0,10.0 90.0,0.0');
  assert.equal(sparklinePoints([], 90, 20), '');
  assert.equal(sparklinePoints([0, 0], 90, 20), '0.0,20.0 90.0,20.0', 'all idle is a flat line at the bottom');
});

test('transfer list: filter by state and name, sort by each key', () => {
  const list = [share('a', 'Beta.iso', 'downloading', { bytesDone: 50, speed: 9 }), share('b', 'alpha.bin', 'seeding', { bytesDone: 100 }), share('c', 'gamma.zip', 'error'), share('d', 'delta', 'paused', { size: 500 })];
  assert.deepEqual(filterTransfers(list, 'active').map((s) => s.id), ['a', 'd']);
  assert.deepEqual(filterTransfers(list, 'done').map((s) => s.id), ['b']);
  assert.deepEqual(filterTransfers(list, 'failed').map((s) => s.id), ['c']);
  assert.deepEqual(filterTransfers(list, 'all', ' BETA ').map((s) => s.id), ['a']);
  assert.deepEqual(sortTransfers(list, 'name').map((s) => s.id), ['b', 'a', 'd', 'c']);
  assert.deepEqual(sortTransfers(list, 'progress').map((s) => s.id), ['d', 'c', 'a', 'b'], 'ties by name');
  assert.deepEqual(sortTransfers(list, 'speed').map((s) => s.id)[0], 'a');
  assert.deepEqual(sortTransfers(list, 'size').map((s) => s.id)[0], 'd');
  assert.deepEqual(sortTransfers(list, 'state').map((s) => s.id), ['c', 'a', 'd', 'b']);
  assert.deepEqual(list.map((s) => s.id), ['a', 'b', 'c', 'd'], 'sorting copies');
});

test('peer graph: this browser and each peer, links with live throughput, path and RTT', () => {
  const history = new StatsHistory(10);
  const peers = [
    { ...newPeer('p1', 'Ann'), connection: 'connected' as const, path: 'relay', rtt: 0.0424, bytesSent: 0, bytesReceived: 0 },
    { ...newPeer('p2', ''), connection: 'new' as const },
  ];
  history.sample({ ...initialState('Me', false), peers }, 0);
  history.sample({ ...initialState('Me', false), peers: [{ ...peers[0]!, bytesSent: 1024, bytesReceived: 3072 }, peers[1]!] }, 1000);
  const model = graphModel({ selfName: 'Me', peers: [{ ...peers[0]!, bytesSent: 1024, bytesReceived: 3072 }, peers[1]!] }, history);
  assert.deepEqual(model.nodes.map((n) => [n.id, n.name, n.self]), [[SELF_ID, 'Me', true], ['p1', 'Ann', false], ['p2', 'p2', false]]);
  assert.deepEqual(model.links[0], { peerId: 'p1', rate: 4096, relayed: true, path: 'relay', rtt: 42, sent: 1024, received: 3072, connected: true });
  assert.equal(model.links[1]!.rate, 0);
  assert.equal(model.links[1]!.rtt, undefined);
  assert.equal(linkWidth(0), 1.5);
  assert.ok(linkWidth(1024 * 1024) > linkWidth(1024) && linkWidth(1e12) === 9, 'wider with throughput, capped');
  assert.deepEqual([pathText('relay'), pathText('srflx'), pathText(undefined)], ['relayed', 'direct', '—']);
});

test('QR code: a share link encodes, and the path draws exactly the dark modules', async () => {
  const { qrPath } = await import('../../web/ui/qr-code-path.js');
  const qr = encode(shareLink('https://shoal.example/?room=k3Jd8sWq0pLm', ID), { ecc: 'M', border: 4 });
  const path = qrPath(qr.data);
  // Each run of dark modules is one rectangle "M x y h n v1 h-n z": their widths add up to the dark modules.
  const widths = [...path.matchAll(/M\d+ \d+h(\d+)v1h-\d+z/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  const dark = qr.data.flat().filter(Boolean).length;
  assert.equal(widths, dark);
  assert.ok(qr.size >= 33, 'a version large enough for the link');
});
