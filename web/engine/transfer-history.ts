/**
 * Every download this browser ran: when it started and ended, how (finished, failed with its
 * reason, or removed), the bytes it moved, how long it took, its average speed and the peers it
 * pulled from. Kept in IndexedDB (database "shoal-history"), the newest MAX_RECORDS, so transfer
 * analytics survive a reload; `summary()` is what the dashboard shows of them.
 */
import { openDB, type IDBPDatabase } from 'idb';

export const MAX_RECORDS = 500;

export interface TransferRecord {
  shareId: string;
  name: string;
  size: number;
  startedAt: number;
  endedAt: number;
  outcome: 'finished' | 'failed' | 'removed';
  reason?: string;
  /** Bytes received in this run (a resumed download counts what it added). */
  bytes: number;
  durationMs: number;
  averageBytesPerSecond: number;
  /** Display names of the peers it pulled from. */
  peers: string[];
}

export interface TransferSummary {
  total: number;
  finished: number;
  failed: number;
  /** finished / (finished + failed); null before any ended either way. */
  successRate: number | null;
  medianSeconds: number | null;
  averageBytesPerSecond: number | null;
}

/** Where records are kept: IndexedDB in the browser, memory in tests or where IndexedDB is missing. */
export interface TransferLog {
  add(record: TransferRecord): Promise<void>;
  /** Oldest first. */
  list(): Promise<TransferRecord[]>;
}

export class MemoryTransferLog implements TransferLog {
  readonly #records: TransferRecord[] = [];
  async add(record: TransferRecord): Promise<void> {
    this.#records.push(record);
    this.#records.splice(0, Math.max(0, this.#records.length - MAX_RECORDS));
  }
  async list(): Promise<TransferRecord[]> {
    return [...this.#records];
  }
}

export class IdbTransferLog implements TransferLog {
  #db: Promise<IDBPDatabase> | undefined;

  #open(): Promise<IDBPDatabase> {
    return (this.#db ??= openDB('shoal-history', 1, {
      upgrade: (db) => void db.createObjectStore('transfers', { autoIncrement: true }),
      // Another tab (or a test) deleting or upgrading the database: let go, and open again when next needed.
      blocking: () => {
        void this.#db?.then((db) => db.close());
        this.#db = undefined;
      },
    }));
  }

  async add(record: TransferRecord): Promise<void> {
    const tx = (await this.#open()).transaction('transfers', 'readwrite');
    void tx.store.add(record);
    // Past the bound, the oldest go (keys grow with every add).
    let excess = (await tx.store.count()) - MAX_RECORDS;
    for (let cursor = await tx.store.openCursor(); cursor && excess > 0; cursor = await cursor.continue(), excess--) void cursor.delete();
    await tx.done;
  }

  async list(): Promise<TransferRecord[]> {
    return (await (await this.#open()).getAll('transfers')) as TransferRecord[];
  }
}

interface Running {
  name: string;
  size: number;
  startedAt: number;
  bytesAtStart: number;
  peers: Set<string>;
}

export class TransferHistory {
  readonly #running = new Map<string, Running>();
  #records: TransferRecord[] = [];
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly log: TransferLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** Loads what earlier sessions recorded. */
  async load(): Promise<void> {
    const stored = await this.log.list();
    // A download that ended while this loaded may already be in both.
    const known = new Set(stored.map((r) => `${r.shareId}|${r.endedAt}`));
    this.#records = [...stored, ...this.#records.filter((r) => !known.has(`${r.shareId}|${r.endedAt}`))].slice(-MAX_RECORDS);
  }

  /** Oldest first. */
  get records(): readonly TransferRecord[] {
    return this.#records;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  started(shareId: string, name: string, size: number, bytesDone: number): void {
    this.#running.set(shareId, { name, size, startedAt: this.now(), bytesAtStart: bytesDone, peers: new Set() });
  }

  /** Names the share once its metadata is known. */
  named(shareId: string, name: string, size: number): void {
    const running = this.#running.get(shareId);
    if (running) Object.assign(running, { name, size });
  }

  pulledFrom(shareId: string, peerName: string): void {
    this.#running.get(shareId)?.peers.add(peerName);
  }

  /** Records the end of a running download; a share not running is ignored. */
  async ended(shareId: string, outcome: TransferRecord['outcome'], bytesDone: number, reason?: string): Promise<void> {
    const running = this.#running.get(shareId);
    if (!running) return;
    this.#running.delete(shareId);
    const endedAt = this.now();
    const durationMs = Math.max(0, endedAt - running.startedAt);
    const bytes = Math.max(0, bytesDone - running.bytesAtStart);
    const record: TransferRecord = {
      shareId,
      name: running.name,
      size: running.size,
      startedAt: running.startedAt,
      endedAt,
      outcome,
      ...(reason ? { reason } : {}),
      bytes,
      durationMs,
      averageBytesPerSecond: durationMs > 0 ? bytes / (durationMs / 1000) : 0,
      peers: [...running.peers],
    };
    this.#records = [...this.#records, record].slice(-MAX_RECORDS);
    for (const listener of this.#listeners) listener();
    try {
      await this.log.add(record);
    } catch (error) {
      console.warn(`shoal: could not keep a transfer record: ${(error as Error).message}`);
    }
  }

  summary(): TransferSummary {
    const finished = this.#records.filter((r) => r.outcome === 'finished');
    const failed = this.#records.filter((r) => r.outcome === 'failed').length;
    const seconds = finished.map((r) => r.durationMs / 1000).sort((a, b) => a - b);
    const middle = seconds.length >> 1;
    const bytes = finished.reduce((n, r) => n + r.bytes, 0);
    const time = finished.reduce((n, r) => n + r.durationMs, 0) / 1000;
    return {
      total: this.#records.length,
      finished: finished.length,
      failed,
      successRate: finished.length + failed > 0 ? finished.length / (finished.length + failed) : null,
      medianSeconds: seconds.length === 0 ? null : seconds.length % 2 ? seconds[middle]! : (seconds[middle - 1]! + seconds[middle]!) / 2,
      averageBytesPerSecond: time > 0 ? bytes / time : null,
    };
  }
}
