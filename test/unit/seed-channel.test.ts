/**
 * Spec §5.2 on the seeder side (plane/seed-channel.ts), frame by frame: the downloader's HANDSHAKE comes
 * first and once; the answer is our HANDSHAKE, exactly one BITFIELD and FEATURES, or ERROR 2 / ERROR 5.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bitfield, CHUNK_SIZE, MAX_OVERFLOW_REJECTS, MAX_QUEUED_REQUESTS, encodeHandshake, encodeRequest, encodeRequests, type ShareMetadata, WireFeature } from '../../protocol/index.js';
import { serveChannel, type SeedableShare } from '../../plane/seed-channel.js';
import type { Uploader } from '../../plane/uploader.js';
import { WireChannel } from '../../plane/wire-channel.js';
import { RecordingChannel } from './fake-channel.js';

const SHARE_ID = 'ab'.repeat(32);
const meta: ShareMetadata = { version: 1, name: 'x.bin', type: '', size: 9 * CHUNK_SIZE, chunkSize: CHUNK_SIZE, fileHash: 'cd'.repeat(32), chunkHashes: Array.from({ length: 9 }, () => 'ef'.repeat(32)) };

function seederFor(share: SeedableShare | undefined): RecordingChannel {
  const channel = new RecordingChannel();
  const uploader = { add: () => undefined, kick: () => undefined } as unknown as Uploader;
  serveChannel(new WireChannel(channel as unknown as RTCDataChannel), 'remote', { uploader, findShare: (id) => (id === SHARE_ID ? share : undefined), onServing: () => undefined, proof: { findPrivate: () => undefined, fingerprints: undefined, onRefused: () => undefined } });
  return channel;
}

const held = (bitfield: Bitfield): SeedableShare => ({ meta, encodedMetadata: new Uint8Array(10), bitfield });
const errorCodeOf = (channel: RecordingChannel) => (channel.sent.find((m) => m.type === 'error') as { code: number } | undefined)?.code;

test('the answer to a HANDSHAKE is our HANDSHAKE, exactly one BITFIELD (all zeros when we hold nothing yet), then FEATURES', () => {
  for (const bitfield of [Bitfield.full(9), new Bitfield(9)]) {
    const channel = seederFor(held(bitfield));
    channel.deliver(encodeHandshake(SHARE_ID));
    assert.deepEqual(channel.sent.map((m) => m.type), ['handshake', 'bitfield', 'features']);
    assert.deepEqual([...(channel.sent[1] as { bits: Uint8Array }).bits], [...bitfield.bytes]);
    assert.equal((channel.sent[2] as { flags: number }).flags & WireFeature.BatchedRequests, WireFeature.BatchedRequests, 'batched REQUESTS accepted');
    assert.equal(channel.readyState, 'open');
  }
});

test('REQUESTS queues its chunks in order, as that many REQUESTs; chunks not held are REJECTed one by one', () => {
  const queued: number[][] = [];
  const channel = new RecordingChannel();
  const uploader = { add: (queue: { requests: number[] }) => queued.push(queue.requests), kick: () => undefined } as unknown as Uploader;
  const partial = new Bitfield(9);
  for (const i of [0, 2, 3, 8]) partial.set(i);
  serveChannel(new WireChannel(channel as unknown as RTCDataChannel), 'remote', { uploader, findShare: () => held(partial), onServing: () => undefined, proof: { findPrivate: () => undefined, fingerprints: undefined, onRefused: () => undefined } });
  channel.deliver(encodeHandshake(SHARE_ID));
  channel.deliver(encodeRequests([8, 1, 0, 3]));
  channel.deliver(encodeRequest(2));
  assert.deepEqual(queued[0], [8, 0, 3, 2]);
  assert.deepEqual(channel.sent.filter((m) => m.type === 'reject').map((m) => (m as { index: number }).index), [1]);
  assert.equal(channel.readyState, 'open');
});

test('anything but KEEP-ALIVE before the HANDSHAKE, or a second HANDSHAKE, is ERROR 3 and the channel closes', () => {
  const early = seederFor(held(Bitfield.full(9)));
  early.deliver(new Uint8Array([0])); // KEEP-ALIVE: fine
  assert.equal(early.readyState, 'open');
  early.deliver(encodeRequest(0));
  assert.equal(errorCodeOf(early), 3);
  assert.equal(early.readyState, 'closed');
  const twice = seederFor(held(Bitfield.full(9)));
  twice.deliver(encodeHandshake(SHARE_ID));
  twice.deliver(encodeHandshake(SHARE_ID));
  assert.equal(errorCodeOf(twice), 3);
  assert.equal(twice.readyState, 'closed');
});

test('an unknown share gets ERROR 2, another protocol version ERROR 5', () => {
  const unknown = seederFor(undefined);
  unknown.deliver(encodeHandshake(SHARE_ID));
  assert.equal(errorCodeOf(unknown), 2);
  assert.equal(unknown.readyState, 'closed');
  const future = seederFor(held(Bitfield.full(9)));
  const frame = encodeHandshake(SHARE_ID);
  frame[1] = 2;
  future.deliver(frame);
  assert.equal(errorCodeOf(future), 5);
  assert.equal(future.readyState, 'closed');
});

test('a peer that keeps requesting past the full queue gets a few REJECTs (reason 2), then ERROR 3 and the channel closes', () => {
  const channel = seederFor(held(Bitfield.full(9)));
  channel.deliver(encodeHandshake(SHARE_ID));
  // The stand-in uploader never drains the queue: it fills, then overflows.
  for (let i = 0; i < MAX_QUEUED_REQUESTS; i++) channel.deliver(encodeRequest(i % 9));
  assert.equal(channel.sent.filter((m) => m.type === 'reject').length, 0, 'a full queue is not a reason to refuse yet');
  for (let i = 0; i < MAX_OVERFLOW_REJECTS; i++) channel.deliver(encodeRequests([i % 9]));
  assert.deepEqual(channel.sent.filter((m) => m.type === 'reject').map((m) => (m as { reason: number }).reason), Array(MAX_OVERFLOW_REJECTS).fill(2));
  assert.equal(channel.readyState, 'open', 'an overflow or two is answered');
  channel.deliver(encodeRequests([0, 1, 2]));
  assert.equal(errorCodeOf(channel), 3, 'then the peer is failed with ProtocolViolation');
  assert.equal(channel.readyState, 'closed');
  assert.equal(channel.sent.filter((m) => m.type === 'reject').length, MAX_OVERFLOW_REJECTS, 'and not answered again');
});
