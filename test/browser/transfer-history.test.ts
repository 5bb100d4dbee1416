/// <reference types="mocha" />
/** The transfer history's IndexedDB log in a real Chromium: records survive a new log object, bounded. */
import { deleteDB } from 'idb';
import { IdbTransferLog, MAX_RECORDS, TransferHistory, type TransferRecord } from '../../web/engine/transfer-history.js';

function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

const record = (i: number): TransferRecord => ({ shareId: `s${i}`, name: `f${i}`, size: 1, startedAt: i, endedAt: i + 1, outcome: 'finished', bytes: 1, durationMs: 1, averageBytesPerSecond: 1000, peers: ['Ann'] });

describe('transfer history in IndexedDB', () => {
  beforeEach(() => deleteDB('shoal-history'));

  it('keeps records across log objects (a reload), oldest first', async () => {
    const history = new TransferHistory(new IdbTransferLog());
    history.started('a', 'a.bin', 10, 0);
    await history.ended('a', 'finished', 10);
    history.started('b', 'b.bin', 10, 0);
    await history.ended('b', 'failed', 4, 'no peer held it');
    const reloaded = new TransferHistory(new IdbTransferLog());
    await reloaded.load();
    assertEqual(reloaded.records.map((r) => [r.shareId, r.outcome, r.bytes, r.reason ?? null]), [['a', 'finished', 10, null], ['b', 'failed', 4, 'no peer held it']], 'records after a reload');
  });

  it('keeps only the newest MAX_RECORDS', async () => {
    const log = new IdbTransferLog();
    for (let i = 0; i < MAX_RECORDS + 7; i++) await log.add(record(i));
    const kept = await log.list();
    assertEqual(kept.length, MAX_RECORDS, 'bounded');
    assertEqual(kept[0]!.shareId, 's7', 'the oldest went first');
  });
});
