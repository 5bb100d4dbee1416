/**
 * The seeder's send loop (plane/uploader.ts): every requested chunk goes out as one PIECE frame with
 * the right bytes, leechers take turns, and the frames are the same few buffers turn after turn
 * (storage reads into them; the channel copies on send), so seeding allocates nothing per chunk.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHUNK_SIZE, chunkRange, RejectReason } from '../../protocol/index.js';
import type { ChunkStorage } from '../../plane/chunk-storage.js';
import { Uploader, type UploadQueue } from '../../plane/uploader.js';
import { WireChannel } from '../../plane/wire-channel.js';
import { RecordingChannel } from './fake-channel.js';

const SIZE = 9 * CHUNK_SIZE - 100;
const fileBytes = new Uint8Array(SIZE).map((_, i) => (i * 31 + (i >> 12)) & 0xff);

/** The pieces a channel was sent, decoded (REJECTs left out). */
const piecesOf = (channel: RecordingChannel) =>
  channel.sent.filter((message) => message.type !== 'reject').map((message) => {
    assert.equal(message.type, 'piece');
    return message as { index: number; data: Uint8Array };
  });

/** Reads as the storage worker does: into the given buffers when they are long enough. */
function readingStorage(seen: Set<ArrayBufferLike>): ChunkStorage {
  return {
    readChunks: async (_shareId, ranges, reserve = 0, into) =>
      ranges.map(({ offset, length }, i) => {
        const given = into?.[i];
        const buffer = given && given.byteLength >= reserve + length ? given.subarray(0, reserve + length) : new Uint8Array(reserve + length);
        seen.add(buffer.buffer);
        buffer.set(fileBytes.subarray(offset, offset + length), reserve);
        return buffer;
      }),
  } as ChunkStorage;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

test('two leechers get every chunk they asked for (one just sent to the other after asking again), right to the last byte, from the same few frame buffers', async () => {
  const buffers = new Set<ArrayBufferLike>();
  const uploaded: number[] = [];
  const uploader = new Uploader({ storage: readingStorage(buffers), onUploaded: (_remote, _share, bytes) => uploaded.push(bytes) });
  const channels = [new RecordingChannel(), new RecordingChannel()];
  const queues: UploadQueue[] = channels.map((channel, n) => ({
    wire: new WireChannel(channel as unknown as RTCDataChannel),
    remoteId: `leecher-${n}`,
    shareId: 'ab'.repeat(32),
    size: SIZE,
    requests: n === 0 ? [0, 1, 2, 3, 4, 5, 6, 7, 8] : [8, 3, 5],
    blocked: false,
  }));
  for (const queue of queues) uploader.add(queue);
  uploader.kick();
  await settle();
  // A chunk just sent to the other leecher is REJECTed once as sent elsewhere (a crowd passes it on).
  const rejected = (channel: RecordingChannel) => channel.sent.filter((m) => m.type === 'reject').map((m) => [(m as { index: number }).index, (m as { reason: number }).reason]);
  // (A new channel's send buffer holds 64 KiB: one chunk a turn.)
  assert.deepEqual(rejected(channels[0]!), [[3, RejectReason.SentElsewhere], [5, RejectReason.SentElsewhere], [8, RejectReason.SentElsewhere]]);
  assert.deepEqual(rejected(channels[1]!), []);
  // Asked again, they are sent.
  queues[0]!.requests.push(3, 5, 8);
  uploader.kick();
  await settle();
  assert.deepEqual(piecesOf(channels[0]!).map((p) => p.index), [0, 1, 2, 4, 6, 7, 3, 5, 8]);
  assert.deepEqual(piecesOf(channels[1]!).map((p) => p.index), [8, 3, 5]);
  for (const channel of channels) {
    for (const { index, data } of piecesOf(channel)) {
      const { start, end } = chunkRange(index, SIZE);
      assert.deepEqual(data, fileBytes.subarray(start, end), `chunk ${index}`);
    }
  }
  assert.equal(uploaded.reduce((a, b) => a + b, 0), SIZE + chunkRange(8, SIZE).end - chunkRange(8, SIZE).start + 2 * CHUNK_SIZE);
  assert.ok(buffers.size <= 4, `12 chunks went out of ${buffers.size} buffers`);
});

test('a chunk sent to a leecher that has since gone is sent to the next who asks, not REJECTed as sent elsewhere (nobody would pass it on)', async () => {
  const uploader = new Uploader({ storage: readingStorage(new Set()), onUploaded: () => undefined });
  const channels = [new RecordingChannel(), new RecordingChannel(), new RecordingChannel()];
  const queues: UploadQueue[] = channels.map((channel, n) => ({
    wire: new WireChannel(channel as unknown as RTCDataChannel),
    remoteId: `leecher-${n}`,
    shareId: 'cd'.repeat(32),
    size: SIZE,
    requests: n === 0 ? [0, 1] : [],
    blocked: false,
  }));
  for (const queue of queues) uploader.add(queue);
  uploader.kick();
  await settle();
  assert.deepEqual(piecesOf(channels[0]!).map((p) => p.index), [0, 1]);
  channels[0]!.close();
  await settle();
  // Leecher 1 asks for both: the leecher that got them has gone, so they are sent.
  queues[1]!.requests.push(0, 1);
  uploader.kick();
  await settle();
  assert.deepEqual(piecesOf(channels[1]!).map((p) => p.index), [0, 1]);
  // Leecher 2 asks for chunk 0: leecher 1, still here, just got it, so it is REJECTed once.
  queues[2]!.requests.push(0);
  uploader.kick();
  await settle();
  assert.deepEqual(channels[2]!.sent.map((m) => [m.type, (m as { index: number }).index]), [['reject', 0]]);
});
