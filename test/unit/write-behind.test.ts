import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDLE_MS, RUN_BYTES, WriteBehind } from '../../workers/write-behind.js';

const CHUNK = 64 * 1024;
const chunk = (index: number) => new Uint8Array(CHUNK).fill(index & 0xff);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What writes cost, as measured in Chromium 156 here: a normal window's file, and a private window's store in the browser process. */
const CHEAP = { callMs: 0.04, msPerMib: 0.35 };
const DEAR = { callMs: 0.9, msPerMib: 3.5 };

/**
 * A WriteBehind over a file in memory, recording every write and every chunk stored; writes at
 * `failAt` fail. Its clock moves only while a write runs, by what `cost` says (changeable).
 */
function harness(failAt?: number, cost = { ...CHEAP }) {
  const file = new Uint8Array(64 * CHUNK);
  const writes: { offset: number; length: number }[] = [];
  const stored: number[] = [];
  let clock = 0;
  const behind = new WriteBehind(
    async (offset, bytes) => {
      clock += cost.callMs + (bytes.byteLength / 2 ** 20) * cost.msPerMib;
      if (offset === failAt) throw new Error('disk full');
      writes.push({ offset, length: bytes.byteLength });
      file.set(bytes, offset);
    },
    (index, data) => {
      // Stored means on disk: the bytes are already in the file.
      assert.deepEqual(file.subarray(index * CHUNK, (index + 1) * CHUNK), data);
      stored.push(index);
    },
    () => clock,
  );
  /** Adds chunks at once (as the data plane does) and returns how each call settled. */
  const addAll = (indexes: number[]) => Promise.allSettled(indexes.map((i) => behind.add(i, i * CHUNK, chunk(i))));
  return { file, writes, stored, behind, addAll, cost };
}

/** A store whose writes are dear (a private window's): three writes have shown it, so runs gather. */
async function dearStore(failAt?: number) {
  const h = harness(failAt, { ...DEAR });
  for (const i of [63, 61, 59]) await h.behind.add(i, i * CHUNK, chunk(i));
  assert.ok(h.behind.gathering);
  h.writes.length = 0;
  h.stored.length = 0;
  return h;
}

test('where writes are cheap (a file in a normal window), each chunk is written as it comes', async () => {
  const { writes, stored, behind, addAll } = harness();
  const results = await addAll([0, 1, 2, 3]);
  assert.ok(results.every((r) => r.status === 'fulfilled'));
  assert.deepEqual(writes, [0, 1, 2, 3].map((i) => ({ offset: i * CHUNK, length: CHUNK })));
  assert.deepEqual(stored, [0, 1, 2, 3]);
  assert.equal(behind.gathering, false);
});

test('runs stop gathering once writes turn cheap, and gather again once they turn dear', async () => {
  const { writes, behind, addAll, cost } = await dearStore();
  Object.assign(cost, CHEAP);
  let runs = 0;
  for (; behind.gathering && runs < 40; runs++) await addAll([0, 1]);
  assert.equal(behind.gathering, false, `still gathering after ${runs} cheap runs`);
  assert.ok(runs > 1, 'one cheap write does not outweigh the writes before it');
  writes.length = 0;
  await addAll([4, 5]);
  assert.deepEqual(writes, [{ offset: 4 * CHUNK, length: CHUNK }, { offset: 5 * CHUNK, length: CHUNK }]);
  Object.assign(cost, DEAR);
  for (runs = 0; !behind.gathering && runs < 40; runs++) await addAll([7]);
  assert.ok(behind.gathering, `not gathering after ${runs} dear writes`);
});

test('where writes are dear, chunks that follow one another go to disk in one write of RUN_BYTES; each call settles only once its chunk is written', async () => {
  const { writes, stored, behind, addAll } = await dearStore();
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
  const { writes, stored, addAll } = await dearStore();
  const started = performance.now();
  const results = await addAll([0, 1, 5]);
  assert.ok(results.every((r) => r.status === 'fulfilled'));
  assert.deepEqual(writes, [{ offset: 0, length: 2 * CHUNK }, { offset: 5 * CHUNK, length: CHUNK }]);
  assert.deepEqual(stored, [0, 1, 5]);
  assert.ok(performance.now() - started >= IDLE_MS - 1, 'the last run waited for more');
});

test('flush writes what is gathered at once', async () => {
  const { writes, stored, behind } = await dearStore();
  const adding = behind.add(3, 3 * CHUNK, chunk(3));
  await behind.flush();
  assert.deepEqual(writes, [{ offset: 3 * CHUNK, length: CHUNK }]);
  assert.deepEqual(stored, [3]);
  await adding;
  await behind.flush(); // nothing gathered: no write
  assert.equal(writes.length, 1);
});

test('a failed write fails the call of every chunk of its run, stores none of them, and later runs still go', async () => {
  const { writes, stored, addAll } = await dearStore(0);
  const results = await addAll([0, 1, 2, 9]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected', 'fulfilled']);
  assert.match(String((results[0] as PromiseRejectedResult).reason), /disk full/);
  assert.deepEqual(writes, [{ offset: 9 * CHUNK, length: CHUNK }]);
  assert.deepEqual(stored, [9]);
});

test('discard fails the calls of what was gathered and writes nothing', async () => {
  const { writes, stored, behind } = await dearStore();
  const adding = behind.add(0, 0, chunk(0));
  await sleep(1);
  behind.discard(new Error('removed'));
  await assert.rejects(adding, /removed/);
  await behind.flush();
  assert.deepEqual(writes, []);
  assert.deepEqual(stored, []);
});

test('a few slow writes among cheap ones (a busy machine descheduling the writer) do not start gathering', async () => {
  const { writes, behind, cost } = harness();
  for (let i = 0; i < 30; i++) {
    cost.callMs = i % 3 === 2 ? 3 : CHEAP.callMs;
    await behind.add(i, i * CHUNK, chunk(i));
    assert.equal(behind.gathering, false, `gathering after write ${i}`);
  }
  assert.equal(writes.length, 30);
});

test('a dear store keeps gathering: a full run costs more than its bytes would in a file', async () => {
  const { writes, behind, addAll } = await dearStore();
  const perRun = RUN_BYTES / CHUNK;
  for (let run = 0; run < 3; run++) {
    await addAll(Array.from({ length: perRun }, (_, i) => i));
    assert.ok(behind.gathering, `run ${run}`);
  }
  assert.deepEqual(writes, Array(3).fill({ offset: 0, length: RUN_BYTES }));
});
