/**
 * The Engine (web/engine/engine.ts) with its seams filled by test doubles: a signaling client the
 * test speaks for, a peer-connection set whose channels are plain objects, a data plane that records
 * what it is asked and whose events the test fires, storage holding nothing, and fetch answering
 * /api/ice-servers. What is checked is the engine's own policy: the room roster, whom a download
 * dials and when again, bans, and how a download's end (verified, or failed on the whole-file hash)
 * shows in the state and in what it announces.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { ClientMessage, ServerMessage, ShareMetadata } from '../../protocol/index.js';
import type { PlaneEvents } from '../../plane/data-plane.js';
import { RETRY_MIN_MS } from '../../web/engine/constants.js';
import { Engine, type EngineComponents } from '../../web/engine/engine.js';
import type { PlaneApi } from '../../web/engine/plane-host.js';
import type { SignalingClientOptions } from '../../web/engine/signaling-client.js';
import { MemoryTransferLog } from '../../web/engine/transfer-history.js';

const ANN = 'a'.repeat(16);
const BOB = 'b'.repeat(16);
const SHARE = { id: '1'.repeat(64), name: 'film.mkv', size: 3 * 65536 };
const meta: ShareMetadata = { version: 1, name: SHARE.name, type: '', size: SHARE.size, chunkSize: 65536, fileHash: 'cd'.repeat(32), chunkHashes: ['ef'.repeat(32), 'ef'.repeat(32), 'ef'.repeat(32)] };

interface Harness {
  engine: Engine;
  /** Plays a message from the signaling server. */
  serverSays: (message: ServerMessage) => void;
  sent: ClientMessage[];
  /** Peers the plane was given a channel to, in order. */
  dialed: string[];
  /** Fires a data-plane event. */
  plane: PlaneEvents;
  /** The iceTransportPolicy new connections get, at each closing of all open ones. */
  reconfigured: string[];
}

/** A complete share stored before the engine starts, offered in `rooms` (undefined: stored before shares had rooms). */
interface StoredFixture {
  id: string;
  meta: ShareMetadata;
  rooms: string[] | undefined;
}

async function startEngine(options: { stored?: StoredFixture[]; room?: string } = {}): Promise<Harness & { seeded: Set<string>; roomsSaved: Map<string, string[]> }> {
  let signalingOptions!: SignalingClientOptions;
  let events!: PlaneEvents;
  const sent: ClientMessage[] = [];
  const dialed: string[] = [];
  const reconfigured: string[] = [];
  const seeded = new Set<string>();
  const roomsSaved = new Map<string, string[]>();
  const stored = (options.stored ?? []).map((f) => ({ id: f.id, meta: f.meta, bitfield: new Uint8Array([0xe0]), complete: true, addedAt: 0, ...(f.rooms ? { rooms: f.rooms } : {}) }));
  const plane = {
    setRateLimits: async () => undefined,
    seed: async (shareId: string) => void seeded.add(shareId),
    unseed: async (shareId: string) => void seeded.delete(shareId),
    download: async () => undefined,
    addSource: async (_shareId: string, _channel: unknown, remoteId: string) => void dialed.push(remoteId),
    serve: async () => undefined,
    pause: async () => undefined,
    resume: async () => undefined,
    stop: async () => undefined,
    stopAll: async () => undefined,
    flush: async () => undefined,
  } as unknown as PlaneApi;
  const components = {
    hasher: {},
    storage: {
      backend: async () => 'opfs',
      listShares: async () => stored,
      getShare: async (id: string) => stored.find((r) => r.id === id),
      removeShare: async () => undefined,
      setShareRooms: async (id: string, rooms: string[]) => void roomsSaved.set(id, rooms),
    },
    signaling: (options: SignalingClientOptions) => {
      signalingOptions = options;
      return {
        connect: () => options.onState('open'),
        send: (message: ClientMessage) => void sent.push(message),
        join: (room: string | undefined) => void sent.push({ type: 'join-room', ...(room ? { room } : {}) }),
        rename: (name: string) => void sent.push({ type: 'rename', name }),
        close: () => undefined,
      };
    },
    peerConnections: ({ rtcConfig }: { rtcConfig: () => RTCConfiguration }) => ({
      get: () => ({ createChannel: () => ({ channel: {}, release: () => undefined }), pc: {} }),
      close: () => undefined,
      handleSignal: () => undefined,
      stats: async () => ({}),
      dispose: () => undefined,
      closeAll: () => void reconfigured.push(rtcConfig().iceTransportPolicy ?? 'all'),
    }),
    openPlane: async (planeEvents: PlaneEvents) => {
      events = planeEvents;
      return { plane, host: 'page' as const };
    },
    fetch: async () => new Response(JSON.stringify({ iceServers: [{ urls: ['stun:198.18.0.1:3478'] }] })),
    transferLog: new MemoryTransferLog(),
  } as unknown as EngineComponents;
  const engine = new Engine(components, { signalingUrl: 'ws://test/signaling', iceServersUrl: '/api/ice-servers', selfName: 'Me', forceRelay: false, ...(options.room ? { room: options.room } : {}) });
  await engine.start();
  return { engine, serverSays: (message) => signalingOptions.onMessage(message), sent, dialed, plane: events, reconfigured, seeded, roomsSaved };
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};
const welcome: ServerMessage = { type: 'welcome', peerId: 'm'.repeat(16), room: 'lab', name: 'Me', peers: [{ peerId: ANN, name: 'Ann' }, { peerId: BOB, name: 'Bob' }], resumeToken: 'x'.repeat(43), resumed: false };
const announced = (sent: ClientMessage[]) => sent.filter((m) => m.type === 'announce-file').flatMap((m) => (m as { shares: { id: string }[] }).shares.map((s) => s.id));

let running: Engine | undefined;
beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] }));
afterEach(() => {
  running?.stop();
  running = undefined;
  mock.timers.reset();
});

/** An engine in a room where Ann and Bob both hold SHARE, downloading it. */
async function downloading(): Promise<Harness & { done: Promise<void> }> {
  const h = await startEngine();
  running = h.engine;
  h.serverSays(welcome);
  h.serverSays({ type: 'files', holders: [{ peerId: ANN, shares: [SHARE] }, { peerId: BOB, shares: [SHARE] }] });
  const done = h.engine.download(SHARE.id);
  await settle();
  h.plane.metadata(SHARE.id, meta);
  return { ...h, done };
}

test('the roster follows the server, and a download dials every holder once', async () => {
  const h = await downloading();
  await h.engine.flush();
  const state = h.engine.store.state;
  assert.equal(state.selfId, 'm'.repeat(16));
  assert.deepEqual(state.roomFiles.map((f) => [f.id, f.holders]), [[SHARE.id, [ANN, BOB]]]);
  assert.deepEqual(h.dialed.sort(), [ANN, BOB].sort());
  h.serverSays({ type: 'announce-file', from: ANN, shares: [SHARE] });
  await settle();
  assert.equal(h.dialed.length, 2, 'a holder already a source is not dialed again');
  h.serverSays({ type: 'peer-left', peerId: BOB });
  await h.engine.flush();
  assert.deepEqual(h.engine.store.state.peers.map((p) => p.name), ['Ann']);
  assert.deepEqual(h.engine.store.state.roomFiles[0]!.holders, [ANN]);
});

test('a source that sent bad data is banned for the share (with a notice); one that went away is dialed again after the backoff', async () => {
  const h = await downloading();
  h.plane.sourceEnded(SHARE.id, ANN, 'bad-data', 'chunk 2 failed SHA-256 verification');
  h.plane.sourceEnded(SHARE.id, BOB, 'closed', 'channel closed');
  await h.engine.flush();
  assert.match(h.engine.store.state.notice ?? '', /Stopped using Ann for film\.mkv: chunk 2 failed/);
  assert.equal(h.engine.store.state.peers.find((p) => p.peerId === ANN)?.badChunks, 1);
  mock.timers.tick(RETRY_MIN_MS - 1);
  await settle();
  assert.equal(h.dialed.length, 2, 'nobody before the backoff');
  mock.timers.tick(1);
  await settle();
  assert.deepEqual(h.dialed.slice(2), [BOB], 'Bob again after RETRY_MIN_MS, Ann never');
  h.serverSays({ type: 'announce-file', from: ANN, shares: [SHARE] });
  mock.timers.tick(60_000);
  await settle();
  assert.deepEqual(h.dialed.slice(2), [BOB], 'an announcement does not lift the ban');
});

test('a verified download turns to seeding and is announced; one that fails the whole-file hash shows why and is not announced', async () => {
  const good = await downloading();
  // The plane reports where the download stands: every chunk in, the whole-file SHA-256 being checked.
  good.plane.progress({ downloads: [{ shareId: SHARE.id, bytesDone: SHARE.size, bytesAdded: 65536, status: 'verifying', speed: 0, sources: 0 }], peers: [] });
  await good.engine.flush();
  const verifying = good.engine.store.state.shares.find((s) => s.id === SHARE.id);
  assert.deepEqual([verifying?.status, verifying?.bytesDone, verifying?.etaSeconds], ['verifying', SHARE.size, null], 'the whole-file SHA-256 is being checked');
  good.plane.finished(SHARE.id, undefined);
  await good.done;
  // The end reaches subscribers at once, not with the next batch of progress (UI_UPDATE_MS later).
  assert.equal(good.engine.store.state.shares.find((s) => s.id === SHARE.id)?.status, 'seeding');
  assert.ok(announced(good.sent).includes(SHARE.id), 'announced once complete');
  assert.deepEqual(good.engine.transfers.records.map((r) => [r.name, r.outcome, r.bytes, r.peers.sort()]), [[SHARE.name, 'finished', SHARE.size, ['Ann', 'Bob']]], 'the transfer history has it');
  good.engine.stop();

  const bad = await downloading();
  const before = announced(bad.sent).filter((id) => id === SHARE.id).length;
  const why = `the finished file's SHA-256 is ${'00'.repeat(32)}, not the ${meta.fileHash} its metadata names; it was discarded`;
  bad.plane.finished(SHARE.id, why);
  await bad.done;
  const share = bad.engine.store.state.shares.find((s) => s.id === SHARE.id);
  assert.equal(share?.status, 'error');
  assert.equal(share?.error, why);
  assert.deepEqual(bad.engine.transfers.records.map((r) => [r.outcome, r.reason]), [['failed', why]]);
  assert.deepEqual(bad.sent.filter((m) => m.type === 'withdraw-file'), [{ type: 'withdraw-file', ids: [SHARE.id] }], 'the partial it had announced is taken back at once');
  bad.serverSays(welcome); // a reconnect announces what we hold: not the failed share
  assert.equal(announced(bad.sent).filter((id) => id === SHARE.id).length, before, 'not announced again after it failed');
  mock.timers.tick(60_000);
  bad.plane.sourceEnded(SHARE.id, BOB, 'closed', 'channel closed');
  mock.timers.tick(60_000);
  await settle();
  assert.equal(bad.dialed.length, 2, 'a failed download dials nobody again');
});

test('the stats history takes a sample a second from the state\'s counters, and tells its listeners', async () => {
  const h = await downloading();
  let heard = 0;
  h.engine.stats.onSample(() => heard++);
  h.plane.progress({ downloads: [{ shareId: SHARE.id, bytesDone: 65536, bytesAdded: 65536, status: 'downloading', speed: 65536, sources: 1 }], peers: [{ remoteId: ANN, bytesReceived: 65536, chunksReceived: 1, bytesSent: 0, chunksSent: 0 }] });
  mock.timers.tick(1000);
  h.plane.progress({ downloads: [{ shareId: SHARE.id, bytesDone: 3 * 65536, bytesAdded: 2 * 65536, status: 'downloading', speed: 2 * 65536, sources: 1 }], peers: [{ remoteId: ANN, bytesReceived: 2 * 65536, chunksReceived: 2, bytesSent: 0, chunksSent: 0 }] });
  mock.timers.tick(1000);
  assert.equal(heard, 2);
  assert.deepEqual(h.engine.stats.history.down.toArray(), [2 * 65536], 'the first sample is the baseline');
  assert.deepEqual(h.engine.stats.history.peers.get(ANN)!.down.toArray(), [2 * 65536]);
  assert.deepEqual(h.engine.stats.history.verified.toArray(), [2]);
});

test('room and relay-only change at run time: a join on the open connection, open connections reconfigured', async () => {
  const h = await downloading();
  h.engine.setRoom(undefined); // the room it is in: no join (a re-join would drop every connection)
  h.engine.setRoom('k3Jd8sWq0pLm');
  h.engine.setRoom('k3Jd8sWq0pLm');
  h.engine.setRoom(undefined);
  assert.deepEqual(h.sent.filter((m) => m.type === 'join-room'), [{ type: 'join-room', room: 'k3Jd8sWq0pLm' }, { type: 'join-room' }]);
  h.engine.setRelayOnly(true);
  await h.engine.flush();
  assert.equal(h.engine.store.state.forceRelay, true);
  h.engine.setRelayOnly(false);
  assert.deepEqual(h.reconfigured, ['all', 'all', 'relay', 'all'], 'each change of room closes the old room\'s connections too');
  h.engine.setName('Coral Orca');
  h.engine.setName('Coral Orca'); // unchanged: nothing sent
  await h.engine.flush();
  assert.equal(h.engine.store.state.selfName, 'Coral Orca');
  assert.deepEqual(h.sent.filter((m) => m.type === 'rename'), [{ type: 'rename', name: 'Coral Orca' }], 'a rename, not a re-join');
  assert.equal(h.sent.filter((m) => m.type === 'join-room').length, 2);
});

const OTHER = { id: '2'.repeat(64), meta: { ...meta, name: 'notes.txt' } };
const ROOM_WELCOME = (room: string): ServerMessage => ({ ...welcome, room, peers: [] });

test('shares belong to rooms: a move announces and serves only the new room\'s shares; old ones stop being served before the join', async () => {
  const h = await startEngine({ stored: [{ id: SHARE.id, meta, rooms: [''] }, { id: OTHER.id, meta: OTHER.meta, rooms: ['family'] }] });
  running = h.engine;
  h.serverSays(ROOM_WELCOME('ip-x'));
  assert.deepEqual([...new Set(announced(h.sent))], [SHARE.id], 'in the network room: only its share');
  assert.deepEqual([...h.seeded], [SHARE.id], 'and only it is served');
  h.sent.length = 0;

  h.engine.setRoom('evilroomX');
  assert.equal(h.engine.store.state.roomKey, 'evilroomX', 'views see the new room at once (a file picked in the next moment is shared there)');
  assert.deepEqual(h.seeded.size, 0, 'nothing is served once the move starts (before the join goes out)');
  assert.equal(h.reconfigured.length, 1, 'the old room\'s connections are closed');
  h.serverSays(ROOM_WELCOME('evilroomX'));
  await settle();
  assert.deepEqual(announced(h.sent), [], 'nothing of the old room is announced in the new one');

  await h.engine.shareHere(SHARE.id);
  assert.deepEqual(announced(h.sent), [SHARE.id], 'shared there by the user: that one only');
  assert.deepEqual(h.roomsSaved.get(SHARE.id), ['', 'evilroomX']);
  await h.engine.stopSharingHere(SHARE.id);
  assert.deepEqual(h.sent.filter((m) => m.type === 'withdraw-file'), [{ type: 'withdraw-file', ids: [SHARE.id] }], 'withdrawn from the room');
  assert.deepEqual(h.roomsSaved.get(SHARE.id), ['']);
  assert.equal(h.seeded.size, 0);
  h.sent.length = 0;

  h.engine.setRoom('family');
  await settle();
  h.serverSays(ROOM_WELCOME('family'));
  await settle();
  assert.deepEqual([...new Set(announced(h.sent))], [OTHER.id], 'the family room gets its own share back');
  assert.deepEqual([...h.seeded], [OTHER.id]);
});

test('shares stored before rooms existed are offered in the room the app starts in, and recorded there', async () => {
  const h = await startEngine({ room: 'mine', stored: [{ id: SHARE.id, meta, rooms: undefined }] });
  running = h.engine;
  assert.deepEqual(h.roomsSaved.get(SHARE.id), ['mine']);
  await h.engine.flush();
  assert.deepEqual(h.engine.store.state.shares.map((s) => s.rooms), [['mine']]);
  h.serverSays(ROOM_WELCOME('mine'));
  assert.deepEqual([...new Set(announced(h.sent))], [SHARE.id]);
});

test('removing a seeded share withdraws it from the room', async () => {
  const h = await startEngine({ stored: [{ id: SHARE.id, meta, rooms: [''] }] });
  running = h.engine;
  h.serverSays(ROOM_WELCOME('ip-x'));
  await h.engine.remove(SHARE.id);
  assert.deepEqual(h.sent.filter((m) => m.type === 'withdraw-file'), [{ type: 'withdraw-file', ids: [SHARE.id] }]);
});
