import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHUNK_SIZE, chunkCount, chunkLength, chunkRange, ChunkIndexError } from '../../protocol/index.js';

test('chunkCount: empty, exact multiples and remainders', () => {
  assert.equal(chunkCount(0), 0);
  assert.equal(chunkCount(1), 1);
  assert.equal(chunkCount(CHUNK_SIZE), 1);
  assert.equal(chunkCount(CHUNK_SIZE + 1), 2);
  assert.equal(chunkCount(8 * 1024 * 1024), 128);
});

test('chunkRange: the last chunk is short, others are CHUNK_SIZE', () => {
  const size = 2 * CHUNK_SIZE + 10;
  assert.deepEqual(chunkRange(0, size), { start: 0, end: CHUNK_SIZE });
  assert.deepEqual(chunkRange(2, size), { start: 2 * CHUNK_SIZE, end: size });
  assert.equal(chunkLength(2, size), 10);
});

test('chunkRange refuses indexes outside the file', () => {
  assert.throws(() => chunkRange(3, 2 * CHUNK_SIZE + 10), ChunkIndexError);
  assert.throws(() => chunkRange(-1, 100), ChunkIndexError);
  assert.throws(() => chunkRange(0.5, 100), ChunkIndexError);
  assert.throws(() => chunkRange(0, 0), ChunkIndexError);
});

test('chunkCount refuses impossible sizes', () => {
  assert.throws(() => chunkCount(-1), RangeError);
  assert.throws(() => chunkCount(Number.NaN), RangeError);
  assert.throws(() => chunkCount(1.5), RangeError);
});
