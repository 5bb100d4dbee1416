/**
 * Storage worker (Comlink): owns the on-disk layout (see storage-layout.ts). Share bytes live in OPFS
 * and are written and read through sync access handles, which only a dedicated worker may open;
 * share metadata and bitfields live in IndexedDB. Buffers handed back are transferred, not copied.
 */
import * as Comlink from 'comlink';
import { createSHA256 } from 'hash-wasm';
import { openDB, type IDBPDatabase } from 'idb';
import { toHex, type ShareMetadata } from '../protocol/index.js';
import { DB_NAME, DB_VERSION, SHARES_STORE, shareFileName, sharesDirectory } from './storage-layout.js';

/** Copy imports 1 MiB at a time: OPFS write throughput levels off there. */
const IMPORT_SLICE = 1024 * 1024;

export interface StoredShare {
  id: string;
  meta: ShareMetadata;
  /** Which chunks are on disk, packed as protocol/bitfield.ts. */
  bitfield: Uint8Array;
  complete: boolean;
  addedAt: number;
}

export class StorageQuotaError extends Error {
  override name = 'StorageQuotaError';
}
export class StorageNotFoundError extends Error {
  override name = 'StorageNotFoundError';
}

const handles = new Map<string, FileSystemSyncAccessHandle>();
let importCounter = 0;
let database: Promise<IDBPDatabase> | undefined;

function db(): Promise<IDBPDatabase> {
  database ??= openDB(DB_NAME, DB_VERSION, {
    upgrade(upgradeDb) {
      upgradeDb.createObjectStore(SHARES_STORE, { keyPath: 'id' });
    },
  });
  return database;
}

async function handleFor(fileName: string, create = false): Promise<FileSystemSyncAccessHandle> {
  const open = handles.get(fileName);
  if (open) return open;
  const dir = await sharesDirectory();
  let file: FileSystemFileHandle;
  try {
    file = await dir.getFileHandle(fileName, { create });
  } catch (error) {
    if ((error as Error).name === 'NotFoundError') throw new StorageNotFoundError(`${fileName} is not in storage`);
    throw error;
  }
  const handle = await file.createSyncAccessHandle();
  handles.set(fileName, handle);
  return handle;
}

function closeHandle(fileName: string): void {
  const handle = handles.get(fileName);
  if (!handle) return;
  handle.flush();
  handle.close();
  handles.delete(fileName);
}

async function ensureSpace(bytes: number): Promise<void> {
  const { quota = Infinity, usage = 0 } = await navigator.storage.estimate();
  if (usage + bytes > quota) {
    const mib = (n: number) => `${Math.ceil(n / 2 ** 20)} MiB`;
    throw new StorageQuotaError(`Not enough browser storage: ${mib(bytes)} needed, ${mib(quota - usage)} free. Remove some shares and try again.`);
  }
}

export const storage = {
  /** Copies `file` into OPFS under a temporary name, returned; call commitImport once its id is known. */
  async importFile(file: Blob, onProgress?: (bytesDone: number) => void): Promise<string> {
    await ensureSpace(file.size);
    const tempName = `import-${Date.now()}-${importCounter++}.bin`;
    const handle = await handleFor(tempName, true);
    handle.truncate(0);
    for (let offset = 0; offset < file.size; offset += IMPORT_SLICE) {
      const slice = new Uint8Array(await file.slice(offset, offset + IMPORT_SLICE).arrayBuffer());
      handle.write(slice, { at: offset });
      onProgress?.(offset + slice.byteLength);
    }
    closeHandle(tempName);
    return tempName;
  },

  /** Gives an imported file its share's name (replacing nothing if the share is already stored). */
  async commitImport(tempName: string, shareId: string): Promise<void> {
    const dir = await sharesDirectory();
    const target = shareFileName(shareId);
    closeHandle(target);
    await dir.removeEntry(target).catch(() => undefined);
    const temp = (await dir.getFileHandle(tempName)) as FileSystemFileHandle & { move(name: string): Promise<void> };
    await temp.move(target);
  },

  async discardImport(tempName: string): Promise<void> {
    closeHandle(tempName);
    await (await sharesDirectory()).removeEntry(tempName).catch(() => undefined);
  },

  /** Creates (or reopens, to resume) the file a download writes into. */
  async allocate(shareId: string, size: number): Promise<void> {
    const handle = await handleFor(shareFileName(shareId), true);
    const current = handle.getSize();
    if (current !== size) {
      if (size > current) await ensureSpace(size - current);
      handle.truncate(size);
    }
  },

  async writeChunk(shareId: string, offset: number, data: ArrayBuffer | Uint8Array): Promise<void> {
    const handle = await handleFor(shareFileName(shareId));
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    const written = handle.write(bytes, { at: offset });
    if (written !== bytes.byteLength) throw new StorageQuotaError(`disk full: wrote ${written} of ${bytes.byteLength} bytes`);
  },

  /**
   * Writes a chunk received from a peer only if it hashes to `expectedHash`; returns whether it did.
   * Verifying here, where the bytes land, saves a copy and a worker hop per chunk.
   */
  async writeVerifiedChunk(shareId: string, offset: number, data: Uint8Array, expectedHash: string): Promise<boolean> {
    const actual = toHex(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
    if (actual !== expectedHash) return false;
    await storage.writeChunk(shareId, offset, data);
    return true;
  },

  /** SHA-256 of the stored share, read through its sync handle in 1 MiB slices. */
  async hashStoredShare(shareId: string): Promise<string> {
    const handle = await handleFor(shareFileName(shareId));
    const hash = await createSHA256();
    hash.init();
    const size = handle.getSize();
    const buffer = new Uint8Array(IMPORT_SLICE);
    for (let offset = 0; offset < size; offset += IMPORT_SLICE) {
      const read = handle.read(buffer, { at: offset });
      hash.update(buffer.subarray(0, read));
    }
    return hash.digest('hex');
  },

  /**
   * Reads `length` bytes at `offset` into a new buffer that starts with `reserve` spare bytes, so the
   * caller can write a frame header in front without copying the chunk again. Transferred, not copied.
   */
  async readChunk(shareId: string, offset: number, length: number, reserve = 0): Promise<Uint8Array> {
    const handle = await handleFor(shareFileName(shareId));
    const buffer = new Uint8Array(reserve + length);
    const read = handle.read(buffer.subarray(reserve), { at: offset });
    if (read !== length) throw new StorageNotFoundError(`short read: ${read} of ${length} bytes at ${offset}`);
    return Comlink.transfer(buffer, [buffer.buffer]);
  },

  /** Flushes and releases the file, so the service worker can read it. */
  async release(shareId: string): Promise<void> {
    closeHandle(shareFileName(shareId));
  },

  async removeShare(shareId: string): Promise<void> {
    closeHandle(shareFileName(shareId));
    await (await sharesDirectory()).removeEntry(shareFileName(shareId)).catch(() => undefined);
    await (await db()).delete(SHARES_STORE, shareId);
  },

  async putShare(record: StoredShare): Promise<void> {
    await (await db()).put(SHARES_STORE, record);
  },

  async saveBitfield(shareId: string, bitfield: Uint8Array, complete: boolean): Promise<void> {
    const database = await db();
    const tx = database.transaction(SHARES_STORE, 'readwrite');
    const record = (await tx.store.get(shareId)) as StoredShare | undefined;
    if (record) await tx.store.put({ ...record, bitfield, complete });
    await tx.done;
  },

  async getShare(shareId: string): Promise<StoredShare | undefined> {
    return (await (await db()).get(SHARES_STORE, shareId)) as StoredShare | undefined;
  },

  async listShares(): Promise<StoredShare[]> {
    return (await (await db()).getAll(SHARES_STORE)) as StoredShare[];
  },
};

export type Storage = typeof storage;

Comlink.expose(storage);
