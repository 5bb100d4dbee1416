import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDLE_MS, RUN_BYTES, WriteBehind } from '../../workers/write-behind.js';

const CHUNK = 64 * 1024;
const chunk = (index: number) => new Uint8Array(CHUNK).fill(index & 0xff);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A WriteBehind over a file in memory, recording every write and every chunk stored; writes at `failAt` fail. */
function harness(failAt?: number) {
  const file = new Uint8Array(64 * CHUNK);
  const writes: { offset: number; length: number }[] = [];
  const stored: number[] = [];
  const behind = new WriteBehind(
    async (offset, bytes) => {
      if (offset === failAt) throw new Error('disk full');
      writes.push({ offset, length: bytes.byteLength });
      file.set(bytes, offset);
    },
    (index, data) => {
      // Stored means on disk: the bytes are already in the file.
      assert.deepEqual(file.subarray(index * CHUNK, (index + 1) * CHUNK), data);
      stored.push(index);
    },
  );
  /** Adds chunks at once (as the data plane does) and returns how each call settled. */
  const addAll = (indexes: number[]) => Promise.allSettled(indexes.map((i) => behind.add(i, i * CHUNK, chunk(i))));
  return { file, writes, stored, behind, addAll };
}

test('chunks that follow one another go to disk in one write of RUN_BYTES; each call settles only once its chunk is written', async () => {
  const { writes, stored, behind, addAll } = harness();
  const perRun = RUN_BYTES / CHUNK;
  let settled = 0;
  const first = Array.from({ length: perRun - 1 }, (_, i) => behind.add(i, i * CHUNK, chunk(i)).then(() => settled++));
  await sleep(1);
  assert.equal(settled, 0, 'nothing settles while its run waits');
  assert.deepEqual(writes, []);
  const results = await addAll([perRun - 1]);
  await Promise.all(first);
  assert.equal(results[0]!.status, 'fulfilled');
  assert.deepEqual(writes, [{ offset: 0, length: RUN_BYTES }]);
  assert.deepEqual(stored, [...Array(perRun).keys()]);
});

test('a chunk out of line writes what was gathered first; a run left alone is written IDLE_MS after its last chunk', async () => {
  const { writes, stored, addAll } = harness();
  const started = performance.now();
  const results = await addAll([0, 1, 5]);
  assert.ok(results.every((r) => r.status === 'fulfilled'));
  assert.deepEqual(writes, [{ offset: 0, length: 2 * CHUNK }, { offset: 5 * CHUNK, length: CHUNK }]);
  assert.deepEqual(stored, [0, 1, 5]);
  assert.ok(performance.now() - started >= IDLE_MS - 1, 'the last run waited for more');
});

test('flush writes what is gathered at once', async () => {
  const { writes, stored, behind } = harness();
  const adding = behind.add(3, 3 * CHUNK, chunk(3));
  await behind.flush();
  assert.deepEqual(writes, [{ offset: 3 * CHUNK, length: CHUNK }]);
  assert.deepEqual(stored, [3]);
  await adding;
  await behind.flush(); // nothing gathered: no write
  assert.equal(writes.length, 1);
});

test('a failed write fails the call of every chunk of its run, stores none of them, and later runs still go', async () => {
  const { writes, stored, addAll } = harness(0);
  const results = await addAll([0, 1, 2, 9]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected', 'fulfilled']);
  assert.match(String((results[0] as PromiseRejectedResult).reason), /disk full/);
  assert.deepEqual(writes, [{ offset: 9 * CHUNK, length: CHUNK }]);
  assert.deepEqual(stored, [9]);
});

test('discard fails the calls of what was gathered and writes nothing', async () => {
  const { writes, stored, behind } = harness();
  const adding = behind.add(0, 0, chunk(0));
  await sleep(1);
  behind.discard(new Error('removed'));
  await assert.rejects(adding, /removed/);
  await behind.flush();
  assert.deepEqual(writes, []);
  assert.deepEqual(stored, []);
});
