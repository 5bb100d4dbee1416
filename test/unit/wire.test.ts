import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CHUNK_SIZE,
  decodeFrame,
  encodeBitfield,
  encodeCancel,
  encodeError,
  encodeHandshake,
  encodeHave,
  encodeKeepAlive,
  encodeMetadataPart,
  encodeMetadataRequest,
  encodePiece,
  encodeReject,
  encodeRequest,
  encodeRequests,
  encodeFeatures,
  MAX_BATCHED_REQUESTS,
  PIECE_HEADER_BYTES,
  WireFrameError,
  writePieceHeader,
} from '../../protocol/index.js';

const id = 'ab'.repeat(32);
const buf = (bytes: Uint8Array) => bytes.slice().buffer;

test('frames have the documented byte layout', () => {
  assert.deepEqual([...encodeKeepAlive()], [0x00]);
  assert.deepEqual([...encodeHandshake(id)], [0x01, 1, ...new Array(32).fill(0xab)]);
  assert.deepEqual([...encodeBitfield(new Uint8Array([0xf0]))], [0x02, 0xf0]);
  assert.deepEqual([...encodeHave(0x01020304)], [0x03, 1, 2, 3, 4]);
  assert.deepEqual([...encodeRequest(7)], [0x04, 0, 0, 0, 7]);
  assert.deepEqual([...encodePiece(1, new Uint8Array([9, 9]))], [0x05, 0, 0, 0, 1, 9, 9]);
  assert.deepEqual([...encodeReject(2, 1)], [0x06, 0, 0, 0, 2, 1]);
  assert.deepEqual([...encodeCancel(3)], [0x07, 0, 0, 0, 3]);
  assert.deepEqual([...encodeMetadataRequest(4)], [0x08, 0, 0, 0, 4]);
  assert.deepEqual([...encodeMetadataPart(0, 1, new Uint8Array([0x7b]))], [0x09, 0, 0, 0, 0, 0, 0, 0, 1, 0x7b]);
  assert.deepEqual([...encodeError(2, 'no')], [0x0a, 2, 0x6e, 0x6f]);
  assert.deepEqual([...encodeFeatures(1)], [0x0b, 1]);
  assert.deepEqual([...encodeRequests([7, 0x01020304])], [0x0c, 0, 0, 0, 7, 1, 2, 3, 4]);
  assert.throws(() => encodeRequests([]), RangeError);
  assert.throws(() => encodeRequests(new Array(MAX_BATCHED_REQUESTS + 1).fill(0)), RangeError);
});

test('every frame decodes to what was encoded', () => {
  assert.deepEqual(decodeFrame(buf(encodeHandshake(id))), { type: 'handshake', version: 1, shareId: id });
  assert.deepEqual(decodeFrame(buf(encodeHave(5))), { type: 'have', index: 5 });
  assert.deepEqual(decodeFrame(buf(encodeRequest(6))), { type: 'request', index: 6 });
  assert.deepEqual(decodeFrame(buf(encodeCancel(7))), { type: 'cancel', index: 7 });
  assert.deepEqual(decodeFrame(buf(encodeMetadataRequest(8))), { type: 'metadata-request', part: 8 });
  assert.deepEqual(decodeFrame(buf(encodeReject(9, 2))), { type: 'reject', index: 9, reason: 2 });
  assert.deepEqual(decodeFrame(buf(encodeKeepAlive())), { type: 'keep-alive' });
  assert.deepEqual(decodeFrame(buf(encodeError(3, 'bye'))), { type: 'error', code: 3, reason: 'bye' });
  assert.deepEqual(decodeFrame(buf(encodeFeatures(1))), { type: 'features', flags: 1 });
  assert.deepEqual(decodeFrame(new Uint8Array([0x0b, 3, 9, 9]).buffer), { type: 'features', flags: 3 }, 'later versions may append bytes');
  const sixteen = Array.from({ length: MAX_BATCHED_REQUESTS }, (_, i) => i * 1000);
  assert.deepEqual(decodeFrame(buf(encodeRequests(sixteen))), { type: 'requests', indices: sixteen });
  const piece = decodeFrame(buf(encodePiece(10, new Uint8Array(CHUNK_SIZE).fill(7))));
  assert.equal(piece?.type, 'piece');
  if (piece?.type === 'piece') {
    assert.equal(piece.index, 10);
    assert.equal(piece.data.byteLength, CHUNK_SIZE);
  }
  const part = decodeFrame(buf(encodeMetadataPart(1, 3, new Uint8Array([1, 2]))));
  assert.deepEqual(part?.type === 'metadata-part' && [part.part, part.total, [...part.data]], [1, 3, [1, 2]]);
});

test('writePieceHeader fills the header of a frame read in place', () => {
  const frame = new Uint8Array(PIECE_HEADER_BYTES + 3);
  frame.set([1, 2, 3], PIECE_HEADER_BYTES);
  assert.deepEqual([...writePieceHeader(frame, 258)], [...encodePiece(258, new Uint8Array([1, 2, 3]))]);
});

test('unknown frame types are skipped, not fatal', () => {
  assert.equal(decodeFrame(new Uint8Array([0x7f, 1, 2]).buffer), null);
});

test('hostile frames: empty, oversized, truncated, padded', () => {
  assert.throws(() => decodeFrame(new ArrayBuffer(0)), WireFrameError);
  assert.throws(() => decodeFrame(new Uint8Array(CHUNK_SIZE + 1024).fill(5).buffer), WireFrameError);
  assert.throws(() => decodeFrame(new Uint8Array([0x04, 0, 0]).buffer), WireFrameError, 'truncated request');
  assert.throws(() => decodeFrame(new Uint8Array([0x04, 0, 0, 0, 1, 0]).buffer), WireFrameError, 'request with trailing bytes');
  assert.throws(() => decodeFrame(new Uint8Array([0x01, 1, 2]).buffer), WireFrameError, 'short handshake');
  assert.throws(() => decodeFrame(new Uint8Array([0x05, 0, 0]).buffer), WireFrameError, 'truncated piece');
  assert.throws(() => decodeFrame(new Uint8Array([0x09, 0, 0, 0, 0]).buffer), WireFrameError, 'truncated metadata part');
  assert.throws(() => decodeFrame(new Uint8Array([0x00, 0]).buffer), WireFrameError, 'keep-alive with payload');
  assert.throws(() => decodeFrame(new Uint8Array([0x0a]).buffer), WireFrameError, 'error without code');
  assert.throws(() => decodeFrame(new Uint8Array(300).fill(0x0a).buffer), WireFrameError, 'error reason too long');
  assert.throws(() => decodeFrame(new Uint8Array([0x0b]).buffer), WireFrameError, 'features without flags');
  assert.throws(() => decodeFrame(new Uint8Array([0x0c]).buffer), WireFrameError, 'requests without an index');
  assert.throws(() => decodeFrame(new Uint8Array([0x0c, 0, 0, 0, 1, 0, 0]).buffer), WireFrameError, 'requests with a partial index');
  assert.throws(() => decodeFrame(new Uint8Array(1 + 4 * (MAX_BATCHED_REQUESTS + 1)).fill(0x0c).buffer), WireFrameError, 'requests past the batch limit');
});
