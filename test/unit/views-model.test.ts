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
import { parseRoute, parseShoalLink, shareLink, viewHref } from '../../web/ui/routes.js';
import { InstallPrompt } from '../../web/pwa/install-prompt.js';
import { TransferWakeLock } from '../../web/pwa/wake-lock.js';
import { Store } from '../../web/engine/store.js';
import type { EngineState } from '../../web/engine/state.js';
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
  assert.equal(shareLink('https://shoal.example/?room=elsewhere#/files', ID, 'k3Jd8sWq0pLm'), `https://shoal.example/?room=k3Jd8sWq0pLm#/s/${ID}`, 'the room the share is offered in');
  assert.equal(shareLink('https://shoal.example/?room=elsewhere#/files', ID, null), `https://shoal.example/#/s/${ID}`, 'the network room has no code');
});

test('links handed to the app: share links from any origin and web+shoal: ones, and nothing else', () => {
  assert.deepEqual(parseShoalLink(`web+shoal:s/${ID}?room=k3Jd8sWq0pLm`), { shareId: ID, room: 'k3Jd8sWq0pLm' });
  assert.deepEqual(parseShoalLink(`web+shoal://s/${ID.toUpperCase()}`), { shareId: ID, room: undefined });
  assert.deepEqual(parseShoalLink(`https://elsewhere.example/?room=abc#/s/${ID}`), { shareId: ID, room: 'abc' }, 'the id names the content, not the host');
  for (const bad of ['https://shoal.example/#/files', `web+shoal:s/${ID}?room=two words`, `web+shoal:s/${ID}?room=ip-0123`, `javascript:alert(1)//#/s/${ID}`, `data:text/html,#/s/${ID}`, 'web+shoal:s/abc', '', 'not a url']) {
    assert.equal(parseShoalLink(bad), undefined, bad);
  }
});

test('install: offered after beforeinstallprompt, gone once installed; an iOS hint where Safari has no prompt', async () => {
  const fakeWindow = (userAgent: string, standalone = false) => {
    const target = new EventTarget() as EventTarget & Record<string, unknown>;
    target.matchMedia = () => ({ matches: standalone });
    target.navigator = { userAgent };
    return target as unknown as Window;
  };
  const desktop = fakeWindow('Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0');
  const install = new InstallPrompt(desktop);
  assert.equal(install.state, 'unavailable');
  let prompted = 0;
  const event = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), { prompt: async () => void prompted++, userChoice: Promise.resolve({ outcome: 'accepted' as const }) });
  desktop.dispatchEvent(event);
  assert.equal(event.defaultPrevented, true, 'no mini-infobar: the app offers it');
  assert.equal(install.state, 'available');
  assert.equal(await install.prompt(), true);
  assert.equal(prompted, 1);
  assert.equal(await install.prompt(), false, 'a prompt is used once');
  desktop.dispatchEvent(new Event('appinstalled'));
  assert.equal(install.state, 'installed');
  assert.equal(new InstallPrompt(fakeWindow('Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1')).state, 'ios-hint');
  assert.equal(new InstallPrompt(fakeWindow('Mozilla/5.0 (iPhone) CriOS/140.0')).state, 'unavailable', 'Chrome on iOS cannot add to the Home Screen this way either');
  assert.equal(new InstallPrompt(fakeWindow('Mozilla/5.0 (X11) Chrome/140.0', true)).state, 'installed', 'running in its own window');
});

test('wake lock: held while a transfer runs in view, taken again when the page shows, let go when done', async () => {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const store = new Store<EngineState>({ ...initialState('Me', false), shares: [] });
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState });
  const sentinels: { released: boolean; release(): Promise<void> }[] = [];
  const wakeLock = { request: async () => {
    const sentinel = { released: false, release: async () => void (sentinel.released = true) };
    sentinels.push(sentinel);
    return sentinel;
  } };
  const lock = new TransferWakeLock(store, wakeLock, doc as unknown as Document);
  store.update((s) => ({ ...s, shares: [share('a', 'a.bin', 'seeding')] }));
  await settle();
  assert.equal(sentinels.length, 0, 'nothing runs: the screen may sleep');
  store.update((s) => ({ ...s, shares: [share('a', 'a.bin', 'downloading')] }));
  store.update((s) => ({ ...s, shares: [share('a', 'a.bin', 'downloading', { bytesDone: 5 })] }));
  await settle();
  assert.equal(sentinels.length, 1, 'one lock while a download runs');
  assert.equal(lock.held, true);
  sentinels[0]!.released = true; // the browser drops it when the page is hidden
  doc.visibilityState = 'hidden';
  doc.dispatchEvent(new Event('visibilitychange'));
  await settle();
  assert.equal(sentinels.length, 1, 'not asked for while hidden');
  doc.visibilityState = 'visible';
  doc.dispatchEvent(new Event('visibilitychange'));
  await settle();
  assert.equal(sentinels.length, 2, 'taken again when the page shows');
  store.update((s) => ({ ...s, shares: [share('a', 'a.bin', 'seeding')] }));
  await settle();
  assert.equal(sentinels[1]!.released, true, 'let go when the download is done');
  assert.equal(lock.held, false);
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

test('private links (#/p/<id>.<secret>): parsed, built, handed over as web+shoal:; a broken one says why', () => {
  const secret = 'AAECAwQFBgcICQoLDA0ODw';
  assert.deepEqual(parseRoute(`#/p/${ID}.${secret}`, 'dashboard'), { view: 'files', shareId: ID, secret });
  const cut = parseRoute(`#/p/${ID}.AAECAwQF`, 'dashboard');
  assert.equal(cut.view, 'files');
  assert.match(cut.linkError ?? '', /^That private link is broken: the link's secret is cut short\./);
  assert.equal(shareLink('https://shoal.example/?room=abc#/files', ID, 'abc', secret), `https://shoal.example/?room=abc#/p/${ID}.${secret}`);
  assert.deepEqual(parseShoalLink(`https://elsewhere.example/?room=abc#/p/${ID}.${secret}`), { shareId: ID, room: 'abc', secret });
  assert.deepEqual(parseShoalLink(`web+shoal:p/${ID}.${secret}?room=abc`), { shareId: ID, room: 'abc', secret });
  assert.equal(parseShoalLink(`web+shoal:p/${ID}.short`), undefined, 'a broken private link is not a share link');
});
