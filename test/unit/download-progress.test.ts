/**
 * A download's progress in the storage worker (workers/download-progress.ts) over in-memory files:
 * bitfield marks reach the sidecar file in batches and survive a failed write, and the running
 * whole-file hash equals SHA-256 of the file whatever order the chunks land in.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, mock, test } from 'node:test';
import { bitIsSet, CHUNK_SIZE, chunkCount, chunkRange, type ShareMetadata } from '../../protocol/index.js';
import type { ByteFile } from '../../workers/byte-store.js';
import { DownloadProgress } from '../../workers/download-progress.js';
import type { StoredShare } from '../../workers/share-records.js';

/** A ByteFile in memory that records its writes; `full` makes writes short, as a full disk does. */
class MemoryFile implements ByteFile {
  bytes = new Uint8Array(0);
  writes: { at: number; length: number }[] = [];
  full = false;
  size(): number {
    return this.bytes.byteLength;
  }
  async truncate(size: number): Promise<void> {
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, size));
    this.bytes = next;
  }
  async write(bytes: Uint8Array, at: number): Promise<number> {
    if (this.full) return 0;
    if (at + bytes.byteLength > this.bytes.byteLength) await this.truncate(at + bytes.byteLength);
    this.bytes.set(bytes, at);
    this.writes.push({ at, length: bytes.byteLength });
    return bytes.byteLength;
  }
  async read(into: Uint8Array, at: number): Promise<number> {
    const part = this.bytes.subarray(at, at + into.byteLength);
    into.set(part);
    return part.byteLength;
  }
  async flush(): Promise<void> {}
}

function record(size: number): StoredShare {
  const count = chunkCount(size);
  const meta: ShareMetadata = { version: 1, name: 'x.bin', type: '', size, chunkSize: CHUNK_SIZE, fileHash: '', chunkHashes: Array.from({ length: count }, () => '00'.repeat(32)) };
  return { id: 'ab'.repeat(32), meta, bitfield: new Uint8Array(Math.ceil(count / 8)), complete: false, addedAt: 0 };
}

/** For tests that hash nothing: the download's own file is never read. */
const noData = async (): Promise<ByteFile> => {
  throw new Error('not read in this test');
};

const settle = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => mock.timers.reset());

test('a new download starts its sidecar file from the record; a resumed one loads it', async () => {
  const bits = new MemoryFile();
  const fresh = await DownloadProgress.open(record(40 * CHUNK_SIZE), bits, noData);
  assert.equal(bits.size(), 5);
  fresh.mark(3);
  await fresh.save();
  const resumed = await DownloadProgress.open(record(40 * CHUNK_SIZE), bits, noData);
  assert.ok(bitIsSet(resumed.record.bitfield, 3));
  assert.ok(!bitIsSet(resumed.record.bitfield, 2));
});

test('marks reach the sidecar file in batches of 16 chunks, not one write per chunk', async () => {
  const bits = new MemoryFile();
  const progress = await DownloadProgress.open(record(64 * CHUNK_SIZE), bits, noData);
  bits.writes = [];
  for (let i = 0; i < 15; i++) progress.mark(i * 4);
  await settle();
  assert.equal(bits.writes.length, 0, '15 marks: still waiting for the batch');
  progress.mark(60);
  await settle();
  assert.equal(bits.writes.length, 1, 'the 16th mark writes the batch');
  assert.deepEqual(bits.writes[0], { at: 0, length: 8 }, 'one write spanning the changed bytes');
  for (let i = 0; i < 16; i++) assert.ok(bitIsSet(bits.bytes, i * 4), `chunk ${i * 4} marked on disk`);
  progress.dropUnsaved();
});

test('a lone mark is written BITS_BATCH_MS (100 ms) after it is made', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const bits = new MemoryFile();
  const progress = await DownloadProgress.open(record(16 * CHUNK_SIZE), bits, noData);
  bits.writes = [];
  progress.mark(9);
  mock.timers.tick(99);
  await settle();
  assert.equal(bits.writes.length, 0);
  mock.timers.tick(1);
  await settle();
  assert.deepEqual(bits.writes, [{ at: 1, length: 1 }]);
  assert.ok(bitIsSet(bits.bytes, 9));
});

test('a failed write keeps its marks: they go with the next batch', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const bits = new MemoryFile();
  const progress = await DownloadProgress.open(record(64 * CHUNK_SIZE), bits, noData);
  progress.mark(2);
  bits.full = true;
  await assert.rejects(progress.save(), { name: 'StorageFullError' });
  assert.ok(!bitIsSet(bits.bytes, 2));
  bits.full = false;
  progress.mark(50);
  await progress.save();
  assert.ok(bitIsSet(bits.bytes, 2), 'the mark whose write failed');
  assert.ok(bitIsSet(bits.bytes, 50), 'the mark made since');
  // After a failure with nothing marked since, the retry is on a timer of its own.
  progress.mark(20);
  bits.full = true;
  await assert.rejects(progress.save());
  bits.full = false;
  mock.timers.tick(100);
  await settle();
  assert.ok(bitIsSet(bits.bytes, 20), 'retried by the timer');
});

test('the running hash is SHA-256 of the file, chunks in order or not; undefined while one is missing', async () => {
  const size = 9 * CHUNK_SIZE + 1234;
  const content = randomBytes(size);
  const data = new MemoryFile();
  await data.truncate(size);
  const progress = await DownloadProgress.open(record(size), new MemoryFile(), async () => data);
  const order = [0, 1, 4, 2, 3, 8, 9, 5, 7]; // 6 missing
  const land = (index: number) => {
    const { start, end } = chunkRange(index, size);
    const chunk = new Uint8Array(content.subarray(start, end));
    data.bytes.set(chunk, start);
    progress.mark(index);
    progress.hashChunk(index, chunk);
  };
  for (const index of order) land(index);
  await settle();
  assert.equal(await progress.digest(16), undefined, 'chunk 6 is missing');
  land(6);
  assert.equal(await progress.digest(16), createHash('sha256').update(content).digest('hex'));
  assert.equal(await progress.digest(16), createHash('sha256').update(content).digest('hex'), 'a second digest reads the file again');
  progress.dropUnsaved();
});
