/**
 * The request scheduler (plane/download.ts) against scripted peers: each source is a stand-in
 * for an RTCDataChannel whose far end is a small function answering frames, with the clock and the
 * watchdog under the test's control. Storage accepts every chunk (verification has its own tests).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import {
  Bitfield,
  CHUNK_SIZE,
  encodeBitfield,
  encodeFeatures,
  encodeHandshake,
  encodePiece,
  encodeReject,
  ENDGAME_DUPLICATE_AFTER_MS,
  MAX_BATCHED_REQUESTS,
  PIPELINE_MAX,
  RejectReason,
  type ShareMetadata,
  WireFeature,
  type WireMessage,
} from '../../protocol/index.js';
import { PIPELINE_MIN, PIPELINE_MIN_IN_CROWD, REQUEST_BATCH, WATCHDOG_INTERVAL_MS } from '../../plane/constants.js';
import type { ChunkStorage } from '../../plane/chunk-storage.js';
import { Download, requestBatch } from '../../plane/download.js';
import { WireChannel } from '../../plane/wire-channel.js';
import { RecordingChannel } from './fake-channel.js';

const CHUNKS = 40;
const SHARE_ID = 'ab'.repeat(32);
const meta: ShareMetadata = { version: 1, name: 'x.bin', type: '', size: CHUNKS * CHUNK_SIZE, chunkSize: CHUNK_SIZE, fileHash: 'cd'.repeat(32), chunkHashes: Array.from({ length: CHUNKS }, () => 'ef'.repeat(32)) };

/** A data channel whose remote end is `answer`: every frame we send is decoded and handed to it. */
class ScriptedChannel extends RecordingChannel {
  constructor(private readonly answer: (message: WireMessage, reply: (frame: Uint8Array) => void) => void) {
    super();
  }

  override send(frame: Uint8Array): void {
    super.send(frame);
    // Replies arrive later, as from a network.
    this.answer(this.sent.at(-1)!, (reply) => queueMicrotask(() => this.deliver(reply)));
  }

  /** Every index asked for, by REQUEST or REQUESTS, in order. */
  requested(): number[] {
    return this.sent.flatMap((m) => (m.type === 'request' ? [m.index] : m.type === 'requests' ? m.indices : []));
  }

  cancelled(): number[] {
    return this.sent.filter((m) => m.type === 'cancel').map((m) => (m as { index: number }).index);
  }
}

/**
 * A seeder holding every chunk; `serves` says whether it ever answers a request, `batched` whether
 * its FEATURES say it takes REQUESTS (a version-1 seeder from before FEATURES sends none).
 */
function seeder(serves: boolean, { batched = false } = {}): ScriptedChannel {
  return new ScriptedChannel((message, reply) => {
    if (message.type === 'handshake') {
      reply(encodeHandshake(SHARE_ID));
      reply(encodeBitfield(Bitfield.full(CHUNKS).bytes));
      if (batched) reply(encodeFeatures(WireFeature.BatchedRequests));
    }
    if (message.type === 'requests' && !batched) throw new Error('REQUESTS sent to a seeder that did not announce them');
    const indices = message.type === 'request' ? [message.index] : message.type === 'requests' ? message.indices : [];
    if (serves) for (const index of indices) reply(encodePiece(index, new Uint8Array(CHUNK_SIZE)));
  });
}

const storage: ChunkStorage = {
  partial: async () => undefined,
  allocate: async () => new Uint8Array(Math.ceil(CHUNKS / 8)),
  writeVerifiedChunk: async () => true,
  flushProgress: async () => undefined,
  hashStoredShare: async () => meta.fileHash,
  completeShare: async () => undefined,
  removeShare: async () => undefined,
  readChunks: async () => [],
};

const settle = async () => {
  for (let i = 0; i < 50; i++) await new Promise<void>((resolve) => queueMicrotask(resolve));
};

let clock = 0;
beforeEach(() => {
  clock = 0;
  mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
});
afterEach(() => mock.timers.reset());

function newDownload(store: ChunkStorage = storage): { download: Download; received: Map<string, number>; ended: string[]; verifying: number[] } {
  const received = new Map<string, number>();
  const ended: string[] = [];
  /** How many chunks had landed each time the download said it verifies the whole file. */
  const verifying: number[] = [];
  const download = new Download(
    SHARE_ID,
    {
      storage: store,
      now: () => clock,
      events: {
        onMetadata: () => undefined,
        onChunk: (remoteId) => received.set(remoteId, (received.get(remoteId) ?? 0) + 1),
        onSourcesChanged: () => undefined,
        onSourceEnded: (remoteId, reason, detail) => ended.push(`${remoteId} ${reason}: ${detail}`),
        onStorageFull: () => undefined,
        onVerifying: () => verifying.push([...received.values()].reduce((a, b) => a + b, 0)),
      },
    },
    { meta, bitfield: new Uint8Array(Math.ceil(CHUNKS / 8)) },
  );
  return { download, received, ended, verifying };
}

test('scheduler: a new source gets a pipeline of PIPELINE_MIN requests, none asked twice', async () => {
  const { download } = newDownload();
  const silent = [seeder(false), seeder(false)];
  download.addSource(new WireChannel(silent[0] as unknown as RTCDataChannel), 'a');
  download.addSource(new WireChannel(silent[1] as unknown as RTCDataChannel), 'b');
  await settle();
  const [a, b] = silent.map((s) => s.requested());
  assert.equal(a!.length, PIPELINE_MIN);
  assert.equal(b!.length, PIPELINE_MIN);
  assert.equal(new Set([...a!, ...b!]).size, 2 * PIPELINE_MIN, 'no chunk is requested from two peers before the endgame');
  download.stop();
});

test('endgame: a straggler\'s chunks go to another peer only once overdue, and the loser is cancelled', async () => {
  const { download, received, verifying } = newDownload();
  const slow = seeder(false);
  const fast = seeder(true);
  download.addSource(new WireChannel(slow as unknown as RTCDataChannel), 'slow');
  await settle();
  const held = slow.requested();
  assert.equal(held.length, PIPELINE_MIN);
  download.addSource(new WireChannel(fast as unknown as RTCDataChannel), 'fast');
  await settle();
  // Everything the slow peer does not hold has come from the fast one; its chunks were not duplicated yet.
  assert.equal(received.get('fast'), CHUNKS - PIPELINE_MIN);
  assert.deepEqual(fast.requested().filter((i) => held.includes(i)), [], 'young requests are not duplicated');

  clock += ENDGAME_DUPLICATE_AFTER_MS - 1;
  mock.timers.tick(WATCHDOG_INTERVAL_MS);
  await settle();
  assert.deepEqual(fast.requested().filter((i) => held.includes(i)), [], 'still not overdue');

  clock += 1;
  mock.timers.tick(WATCHDOG_INTERVAL_MS);
  await settle();
  assert.deepEqual(fast.requested().filter((i) => held.includes(i)).sort((x, y) => x - y), [...held].sort((x, y) => x - y), 'overdue chunks are duplicated');
  assert.equal(received.get('fast'), CHUNKS);
  assert.deepEqual(slow.cancelled().sort((x, y) => x - y), [...held].sort((x, y) => x - y), 'the slow peer is told to drop them');
  await download.done;
  assert.equal(slow.readyState, 'closed');
  assert.deepEqual(verifying, [CHUNKS], 'the whole-file check is announced once, after the last chunk');
});

test('hostile source: a chunk nobody asked for, or a bitfield of the wrong length, ends that source only', async () => {
  const { download, received, ended } = newDownload();
  const pushy = new ScriptedChannel((message, reply) => {
    if (message.type !== 'handshake') return;
    reply(encodeHandshake(SHARE_ID));
    // Before its bitfield, so that nothing can have been asked of it (equally rare chunks are picked at random).
    reply(encodePiece(CHUNKS - 1, new Uint8Array(CHUNK_SIZE)));
    reply(encodeBitfield(Bitfield.full(CHUNKS).bytes));
  });
  const short = new ScriptedChannel((message, reply) => {
    if (message.type !== 'handshake') return;
    reply(encodeHandshake(SHARE_ID));
    reply(encodeBitfield(Bitfield.full(CHUNKS - 8).bytes));
  });
  const honest = seeder(true);
  download.addSource(new WireChannel(pushy as unknown as RTCDataChannel), 'pushy');
  download.addSource(new WireChannel(short as unknown as RTCDataChannel), 'short');
  await settle();
  assert.equal(pushy.readyState, 'closed');
  assert.equal(short.readyState, 'closed');
  assert.match(ended.join('\n'), /pushy protocol: sent chunk 39 that was not requested/);
  assert.match(ended.join('\n'), /short protocol: .*bitfield/i);
  assert.equal(received.get('pushy'), undefined, 'nothing of it was stored');
  download.addSource(new WireChannel(honest as unknown as RTCDataChannel), 'honest');
  await settle();
  await download.done;
  assert.equal(received.get('honest'), CHUNKS);
});

test('spec §5.2 on the downloader side: the seeder\'s HANDSHAKE comes first and once, for this share', async () => {
  const { download, received, ended } = newDownload();
  const script = (...frames: Uint8Array[]) =>
    new ScriptedChannel((message, reply) => {
      if (message.type === 'handshake') for (const frame of frames) reply(frame);
    });
  const full = encodeBitfield(Bitfield.full(CHUNKS).bytes);
  const cases = {
    'bitfield-first': script(full, encodeHandshake(SHARE_ID)),
    'second-handshake': script(encodeHandshake(SHARE_ID), full, encodeHandshake(SHARE_ID)),
    'other-share': script(encodeHandshake('12'.repeat(32)), full),
  };
  for (const [name, channel] of Object.entries(cases)) download.addSource(new WireChannel(channel as unknown as RTCDataChannel), name);
  await settle();
  for (const [name, channel] of Object.entries(cases)) {
    assert.equal(channel.readyState, 'closed', `${name} is dropped`);
    const error = channel.sent.find((m) => m.type === 'error') as { code: number } | undefined;
    assert.equal(error?.code, 3, `${name} gets ERROR 3 (protocol violation)`);
    assert.equal(received.get(name), undefined);
  }
  assert.match(ended.join('\n'), /bitfield-first protocol: bitfield before the handshake/);
  assert.match(ended.join('\n'), /second-handshake protocol: second handshake/);
  assert.match(ended.join('\n'), /other-share protocol: handshake for another share/);
  // A KEEP-ALIVE before the handshake is fine: that source is asked for chunks.
  const keepAlive = script(new Uint8Array([0]), encodeHandshake(SHARE_ID), full);
  download.addSource(new WireChannel(keepAlive as unknown as RTCDataChannel), 'keep-alive-first');
  await settle();
  assert.equal(keepAlive.readyState, 'open');
  assert.equal(keepAlive.requested().length, PIPELINE_MIN);
  download.stop();
});

test('whole-file check: every chunk verified but the file hash differs: the download fails and its bytes are deleted', async () => {
  const calls: string[] = [];
  const lying: ChunkStorage = {
    ...storage,
    hashStoredShare: async () => '00'.repeat(32),
    completeShare: async () => void calls.push('complete'),
    removeShare: async (id) => void calls.push(`remove ${id}`),
  };
  const { download, received } = newDownload(lying);
  download.addSource(new WireChannel(seeder(true) as unknown as RTCDataChannel), 'honest');
  const error = await download.done.then(() => undefined, (e: Error) => e);
  assert.equal(received.get('honest'), CHUNKS, 'every chunk arrived and was stored');
  assert.equal(error?.name, 'FileHashMismatchError');
  assert.match(error!.message, new RegExp(`SHA-256 is 0{64}, not the ${meta.fileHash}`));
  assert.deepEqual(calls, [`remove ${SHARE_ID}`], 'discarded, never marked complete');
});

test('a reader waiting for chunks: they are requested first, in order; once it goes, rarest first again', async () => {
  const { download } = newDownload();
  download.prioritize(1, 30, 34);
  const silent = seeder(false);
  download.addSource(new WireChannel(silent as unknown as RTCDataChannel), 'a');
  await settle();
  const asked = silent.requested();
  assert.deepEqual(asked.slice(0, 4), [30, 31, 32, 33], 'the reader\'s chunks go out first');
  assert.equal(asked.length, PIPELINE_MIN);
  download.deprioritize(1);
  // Two chunks not asked for yet (equally rare ones are picked at random).
  const free = [...Array(CHUNKS - 1).keys()].find((i) => !asked.includes(i) && !asked.includes(i + 1))!;
  download.prioritize(2, free, free + 2);
  const second = seeder(false);
  download.addSource(new WireChannel(second as unknown as RTCDataChannel), 'b');
  await settle();
  assert.deepEqual(second.requested().slice(0, 2), [free, free + 1]);
  download.stop();
});

test('a seeder whose FEATURES take batches is asked REQUEST_BATCH or more chunks per frame; the download completes', async () => {
  const { download, received } = newDownload();
  const batched = seeder(true, { batched: true });
  download.addSource(new WireChannel(batched as unknown as RTCDataChannel), 'batched');
  for (let i = 0; i < 20 && (received.get('batched') ?? 0) < CHUNKS; i++) await settle();
  assert.equal(received.get('batched'), CHUNKS);
  assert.deepEqual([...batched.requested()].sort((a, b) => a - b), [...Array(CHUNKS).keys()], 'every chunk asked for once');
  const frames = batched.sent.filter((m) => m.type === 'request' || m.type === 'requests');
  const batches = frames.filter((m) => m.type === 'requests') as { indices: number[] }[];
  // Each batch holds REQUEST_BATCH or more, but the last: the tail may have fewer left to ask for.
  const sizes = batches.map((m) => m.indices.length);
  assert.ok(sizes.length > 0 && sizes.every((n, i) => n <= MAX_BATCHED_REQUESTS && (n >= REQUEST_BATCH || i === sizes.length - 1)), `batch sizes ${sizes}`);
  // The first pipeline goes out before FEATURES arrives, one REQUEST each; the refills are batched.
  const refills = frames.slice(frames.findIndex((m) => m.type === 'requests'));
  assert.ok(refills.length <= Math.ceil((CHUNKS - PIPELINE_MIN) / REQUEST_BATCH), `${CHUNKS - PIPELINE_MIN} chunks refilled in ${refills.length} frames`);
  download.stop();
});

test('a batched refill waits for a quarter of the pipeline: 16 of a full one (one frame), 4 of a shallow one', () => {
  assert.equal(requestBatch(PIPELINE_MAX), MAX_BATCHED_REQUESTS, 'a full pipeline is refilled a whole REQUESTS frame at a time');
  assert.equal(requestBatch(40), 10);
  assert.equal(requestBatch(PIPELINE_MIN), REQUEST_BATCH);
  assert.equal(requestBatch(PIPELINE_MIN_IN_CROWD), REQUEST_BATCH, 'never fewer than REQUEST_BATCH');
  assert.equal(requestBatch(10_000), MAX_BATCHED_REQUESTS, 'never more than a frame holds');
});

test('the download says where it stands: connecting, downloading, paused, stalled once its source is gone, verifying at the end', async () => {
  const { download, received } = newDownload();
  assert.equal(download.status, 'connecting', 'no source yet');
  const channel = seeder(false);
  download.addSource(new WireChannel(channel as unknown as RTCDataChannel), 'a');
  await settle();
  assert.equal(download.status, 'downloading');
  download.pause();
  assert.equal(download.status, 'paused');
  download.resume();
  channel.close();
  await settle();
  assert.equal(download.status, 'stalled', 'its only source went');
  const serving = seeder(true);
  download.addSource(new WireChannel(serving as unknown as RTCDataChannel), 'b');
  for (let i = 0; i < 20 && (received.get('b') ?? 0) < CHUNKS; i++) await settle();
  assert.equal(download.status, 'verifying', 'every chunk in: the whole-file SHA-256 is checked (then it is done)');
  await download.done;
});

test('REJECT 4 (sent elsewhere): the chunk is not asked of that seeder again for 6 s, then it is, and the download completes', async () => {
  const { download, received } = newDownload();
  let rejectedOnce = false;
  const asksForZero: number[] = [];
  const crowdSeeder = new ScriptedChannel((message, reply) => {
    if (message.type === 'handshake') {
      reply(encodeHandshake(SHARE_ID));
      reply(encodeBitfield(Bitfield.full(CHUNKS).bytes));
    }
    const indices = message.type === 'request' ? [message.index] : message.type === 'requests' ? message.indices : [];
    for (const index of indices) {
      if (index === 0) asksForZero.push(clock);
      if (index === 0 && !rejectedOnce) {
        rejectedOnce = true;
        reply(encodeReject(0, RejectReason.SentElsewhere));
      } else reply(encodePiece(index, new Uint8Array(CHUNK_SIZE)));
    }
  });
  download.addSource(new WireChannel(crowdSeeder as unknown as RTCDataChannel), 'seeder');
  for (let i = 0; i < 20 && (received.get('seeder') ?? 0) < CHUNKS - 1; i++) await settle();
  assert.equal(received.get('seeder'), CHUNKS - 1, 'every other chunk came');
  clock += 5_000;
  mock.timers.tick(WATCHDOG_INTERVAL_MS);
  await settle();
  assert.deepEqual(asksForZero, [0], 'not asked again within 6 s');
  clock += 1_000;
  mock.timers.tick(WATCHDOG_INTERVAL_MS);
  for (let i = 0; i < 5; i++) await settle();
  assert.deepEqual(asksForZero, [0, 6_000], 'asked again once the 6 s are over (the watchdog refills)');
  await download.done;
  assert.equal(received.get('seeder'), CHUNKS);
});

test('in a crowd, a slow seeder measured for 3 s is asked for what its rate needs, down to PIPELINE_MIN_IN_CROWD, not PIPELINE_MIN: requests do not wait in its queue while the crowd gets the chunks', async () => {
  /** Runs 20 s of a seeder that sends one chunk a second (alone, or beside a partial peer); returns the most requests it had outstanding once its first 16 had been served. */
  const outstandingAfterMeasuring = async (crowd: boolean) => {
    const { download } = newDownload();
    const queued: number[] = [];
    let deliver: ((frame: Uint8Array) => void) | undefined;
    const slow = new ScriptedChannel((message, reply) => {
      deliver = reply;
      if (message.type === 'handshake') {
        reply(encodeHandshake(SHARE_ID));
        reply(encodeBitfield(Bitfield.full(CHUNKS).bytes));
      }
      if (message.type === 'request') queued.push(message.index);
    });
    download.addSource(new WireChannel(slow as unknown as RTCDataChannel), 'seeder');
    if (crowd) {
      // Another leecher, holding the last chunk only and sending nothing: it makes this a crowd.
      const partial = new ScriptedChannel((message, reply) => {
        if (message.type !== 'handshake') return;
        reply(encodeHandshake(SHARE_ID));
        const bits = new Bitfield(CHUNKS);
        bits.set(CHUNKS - 1);
        reply(encodeBitfield(bits.bytes));
      });
      download.addSource(new WireChannel(partial as unknown as RTCDataChannel), 'partial');
    }
    await settle();
    assert.equal(slow.requested().length, PIPELINE_MIN, 'a new peer gets PIPELINE_MIN either way');
    let most = 0;
    for (let second = 1; second <= 20; second++) {
      clock += 1_000;
      deliver!(encodePiece(queued.shift()!, new Uint8Array(CHUNK_SIZE)));
      await settle();
      mock.timers.tick(WATCHDOG_INTERVAL_MS);
      await settle();
      if (second > PIPELINE_MIN) most = Math.max(most, slow.requested().length - second);
    }
    download.stop();
    return most;
  };
  assert.equal(await outstandingAfterMeasuring(false), PIPELINE_MIN, 'alone, the pipeline stays PIPELINE_MIN deep');
  const inCrowd = await outstandingAfterMeasuring(true);
  assert.ok(inCrowd <= PIPELINE_MIN_IN_CROWD, `in a crowd, at most ${PIPELINE_MIN_IN_CROWD} requests wait at a seeder measured at one chunk a second (${inCrowd})`);
});
