/**
 * The IndexedDB side of storage, shared by the storage worker and the service worker. Metadata and
 * progress live in separate object stores, so marking a share complete never rewrites the (up to
 * 80 MiB) chunk-hash list. While a download runs, its live bitfield is the OPFS sidecar file.
 *   shares:   { id, meta, addedAt, source? } written once per share (source: see ShareSource)
 *   progress: { id, bitfield, complete } written when a download starts and when it completes
 *   rooms:    { id, rooms, secret? } the rooms a share is offered in (see StoredShare.rooms) and a
 *             private share's secret, apart from the share record so that a download can name
 *             them before its metadata has come
 */
import { openDB, type IDBPDatabase } from 'idb';
import type { ShareMetadata } from '../protocol/index.js';
import { DB_NAME } from './storage-layout.js';

const DB_VERSION = 3;
const SHARES = 'shares';
const PROGRESS = 'progress';
const ROOMS = 'rooms';

/**
 * Where a share shared from the user's disk reads its bytes: the file's handle (kept so the share
 * survives a reload) and the size and modification time it had when it was hashed. A share without
 * a source has its bytes in OPFS or IndexedDB.
 */
export interface ShareSource {
  kind: 'handle';
  handle: FileSystemFileHandle;
  size: number;
  lastModified: number;
}

export interface StoredShare {
  id: string;
  meta: ShareMetadata;
  source?: ShareSource;
  /** Which chunks are on disk, packed as protocol/bitfield.ts. */
  bitfield: Uint8Array;
  complete: boolean;
  addedAt: number;
  /**
   * Where the share is offered: room codes, '' for the room of the user's network. Undefined for a
   * share stored before shares belonged to rooms (the page assigns it one on its first start).
   */
  rooms?: string[];
  /** A private share's secret (spec §11): it is offered only to peers that prove it. */
  secret?: string;
}

interface ShareRecord {
  id: string;
  meta: ShareMetadata;
  addedAt: number;
  source?: ShareSource;
}

interface RoomsRecord {
  id: string;
  rooms: string[];
  secret?: string;
}

interface ProgressRecord {
  id: string;
  bitfield: Uint8Array;
  complete: boolean;
}

/** Opens (and upgrades) the share records' database; `name` is for tests that must not share the app's. */
export function openShareDb(name = DB_NAME): Promise<IDBPDatabase> {
  return openDB(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      // Version 1 kept progress inside the share record; nothing was released with it, so start clean.
      if (oldVersion < 2) {
        for (const name of [...db.objectStoreNames]) db.deleteObjectStore(name);
        db.createObjectStore(SHARES, { keyPath: 'id' });
        db.createObjectStore(PROGRESS, { keyPath: 'id' });
      }
      // Version 3: shares belong to rooms. Shares stored before have no entry until the page gives them one.
      if (oldVersion < 3) db.createObjectStore(ROOMS, { keyPath: 'id' });
    },
  });
}

export async function getStoredShare(db: IDBPDatabase, id: string): Promise<StoredShare | undefined> {
  const tx = db.transaction([SHARES, PROGRESS, ROOMS]);
  const [share, progress, rooms] = await Promise.all([
    tx.objectStore(SHARES).get(id) as Promise<ShareRecord | undefined>,
    tx.objectStore(PROGRESS).get(id) as Promise<ProgressRecord | undefined>,
    tx.objectStore(ROOMS).get(id) as Promise<RoomsRecord | undefined>,
  ]);
  if (!share || !progress) return undefined;
  return { ...share, bitfield: progress.bitfield, complete: progress.complete, ...offerOf(rooms) };
}

export async function listStoredShares(db: IDBPDatabase): Promise<StoredShare[]> {
  const tx = db.transaction([SHARES, PROGRESS, ROOMS]);
  const [shares, progress, rooms] = await Promise.all([
    tx.objectStore(SHARES).getAll() as Promise<ShareRecord[]>,
    tx.objectStore(PROGRESS).getAll() as Promise<ProgressRecord[]>,
    tx.objectStore(ROOMS).getAll() as Promise<RoomsRecord[]>,
  ]);
  const byId = new Map(progress.map((p) => [p.id, p]));
  const roomsById = new Map(rooms.map((r) => [r.id, r]));
  return shares.flatMap((s) => {
    const p = byId.get(s.id);
    return p ? [{ ...s, bitfield: p.bitfield, complete: p.complete, ...offerOf(roomsById.get(s.id)) }] : [];
  });
}

/** Where and how a share is offered, from its rooms record. */
function offerOf(record: RoomsRecord | undefined): Pick<StoredShare, 'rooms' | 'secret'> {
  if (!record) return {};
  return { rooms: record.rooms, ...(record.secret !== undefined ? { secret: record.secret } : {}) };
}

export async function putStoredShare(db: IDBPDatabase, share: StoredShare): Promise<void> {
  const tx = db.transaction([SHARES, PROGRESS, ROOMS], 'readwrite');
  // A private share stays private when it is stored again (the same file shared once more).
  const secret = share.secret ?? (share.rooms ? ((await tx.objectStore(ROOMS).get(share.id)) as RoomsRecord | undefined)?.secret : undefined);
  await Promise.all([
    ...(share.rooms ? [tx.objectStore(ROOMS).put({ id: share.id, rooms: share.rooms, ...(secret !== undefined ? { secret } : {}) } satisfies RoomsRecord)] : []),
    tx.objectStore(SHARES).put({ id: share.id, meta: share.meta, addedAt: share.addedAt, ...(share.source ? { source: share.source } : {}) } satisfies ShareRecord),
    tx.objectStore(PROGRESS).put({ id: share.id, bitfield: share.bitfield, complete: share.complete } satisfies ProgressRecord),
    tx.done,
  ]);
}

/**
 * Saves a download's progress. Relaxed durability: losing the last save to a power cut costs a
 * refetch, while a strict commit per save would throttle the download.
 */
export async function saveProgress(db: IDBPDatabase, id: string, bitfield: Uint8Array, complete: boolean): Promise<void> {
  const tx = db.transaction(PROGRESS, 'readwrite', { durability: 'relaxed' });
  await Promise.all([tx.store.put({ id, bitfield, complete } satisfies ProgressRecord), tx.done]);
}

export async function deleteStoredShare(db: IDBPDatabase, id: string): Promise<void> {
  const tx = db.transaction([SHARES, PROGRESS, ROOMS], 'readwrite');
  await Promise.all([tx.objectStore(SHARES).delete(id), tx.objectStore(PROGRESS).delete(id), tx.objectStore(ROOMS).delete(id), tx.done]);
}

/**
 * Records the rooms a share is offered in (also before its record exists: a download names its room
 * first), and with `secret` that it is private; a private share stays private.
 */
export async function saveRooms(db: IDBPDatabase, id: string, rooms: string[], secret?: string): Promise<void> {
  const tx = db.transaction(ROOMS, 'readwrite');
  const kept = secret ?? ((await tx.store.get(id)) as RoomsRecord | undefined)?.secret;
  await Promise.all([tx.store.put({ id, rooms, ...(kept !== undefined ? { secret: kept } : {}) } satisfies RoomsRecord), tx.done]);
}

/** Records what a handle-backed share's file looks like now (after it was checked again). */
export async function saveSource(db: IDBPDatabase, id: string, source: ShareSource): Promise<void> {
  const tx = db.transaction(SHARES, 'readwrite');
  const record = (await tx.store.get(id)) as ShareRecord | undefined;
  if (record) await tx.store.put({ ...record, source } satisfies ShareRecord);
  await tx.done;
}
