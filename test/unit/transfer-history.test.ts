/** Transfer history (web/engine/transfer-history.ts) over the in-memory log; IndexedDB's has a browser test. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_RECORDS, MemoryTransferLog, TransferHistory } from '../../web/engine/transfer-history.js';

test('a download\'s record: outcome, bytes of this run, duration, average speed, peers; a reload finds it again', async () => {
  let now = 1_000;
  const log = new MemoryTransferLog();
  const history = new TransferHistory(log, () => now);
  history.started('s1', 'unknown', 0, 0);
  history.named('s1', 'film.mkv', 4_000_000);
  history.pulledFrom('s1', 'Ann');
  history.pulledFrom('s1', 'Bob');
  history.pulledFrom('s1', 'Ann');
  now += 2_000;
  await history.ended('s1', 'finished', 4_000_000);
  history.started('s2', 'big.iso', 10_000_000, 6_000_000); // resumed at 60%
  now += 4_000;
  await history.ended('s2', 'failed', 8_000_000, 'the finished file\'s SHA-256 is wrong');
  await history.ended('never-started', 'finished', 1);
  const [first, second] = history.records;
  assert.deepEqual(first, { shareId: 's1', name: 'film.mkv', size: 4_000_000, startedAt: 1_000, endedAt: 3_000, outcome: 'finished', bytes: 4_000_000, durationMs: 2_000, averageBytesPerSecond: 2_000_000, peers: ['Ann', 'Bob'] });
  assert.equal(second!.bytes, 2_000_000, 'a resumed download counts what this run added');
  assert.equal(second!.reason, 'the finished file\'s SHA-256 is wrong');
  assert.equal(history.records.length, 2, 'a share that was not running is not recorded');
  const reloaded = new TransferHistory(log);
  await reloaded.load();
  assert.deepEqual(reloaded.records, history.records);
  assert.deepEqual(reloaded.summary(), { total: 2, finished: 1, failed: 1, successRate: 0.5, medianSeconds: 2, averageBytesPerSecond: 2_000_000 });
});

test('the history is bounded to the newest MAX_RECORDS, in memory and in the log', async () => {
  const log = new MemoryTransferLog();
  const history = new TransferHistory(log, () => 0);
  for (let i = 0; i < MAX_RECORDS + 25; i++) {
    history.started(`s${i}`, `f${i}`, 1, 0);
    await history.ended(`s${i}`, 'finished', 1);
  }
  assert.equal(history.records.length, MAX_RECORDS);
  assert.equal(history.records[0]!.shareId, 's25');
  assert.equal((await log.list()).length, MAX_RECORDS);
  assert.deepEqual(new TransferHistory(log).summary().successRate, null, 'nothing loaded yet');
});

test('a record that ended while the history loaded is not counted twice', async () => {
  const log = new MemoryTransferLog();
  const history = new TransferHistory(log, () => 5);
  history.started('s', 'f', 1, 0);
  await history.ended('s', 'finished', 1); // in memory and already in the log
  await history.load();
  assert.equal(history.records.length, 1);
});
