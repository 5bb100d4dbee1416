/**
 * Storage worker (Comlink): owns the on-disk layout (see storage-layout.ts). Share bytes live in OPFS
 * through sync access handles, which only a dedicated worker may open, or in IndexedDB blocks where
 * OPFS sync access is missing (byte-store.ts); share records live in IndexedDB (share-records.ts),
 * a download's progress in a sidecar file beside its bytes (download-progress.ts). It also hosts
 * the data plane where data channels can be transferred here. Buffers handed back are transferred.
 */
import * as Comlink from 'comlink';
import { createSHA256 } from 'hash-wasm';
import type { IDBPDatabase } from 'idb';
import { CHUNK_SIZE, chunkRange, toHex, type ShareMetadata } from '../protocol/index.js';
import { deleteStoredShare, getStoredShare, listStoredShares, openShareDb, putStoredShare, saveProgress, saveRooms, saveSource, type ShareSource, type StoredShare } from './share-records.js';
import { SourceFile } from './source-file.js';
import { FileNotFoundError, opfsSyncAccessWorks, readRanges, type ByteFile, type ByteStore } from './byte-store.js';
import { IndexedDbStore } from './indexeddb-store.js';
import { OpfsStore } from './opfs-store.js';
import { bitsFileName, shareFileName, sharesDirectory } from './storage-layout.js';
import { DownloadProgress } from './download-progress.js';
import { ChunkOutOfRangeError, StorageNotFoundError } from './storage-errors.js';
import { diskFull, ensureSpace, isOutOfSpace, reserve, shortWrite } from './storage-room.js';
import { DataPlane, type PlaneEvents } from '../plane/data-plane.js';
import { streamInBatches } from './stream-batches.js';
import { WriteBehind } from './write-behind.js';

export type { ShareSource, StoredShare };

/** Copy imports 1 MiB at a time: OPFS write throughput levels off there. */
const IMPORT_SLICE = 1024 * 1024;

export class ImportCancelledError extends Error {
  override name = 'ImportCancelledError';
}

/** Imports asked to stop (cancelImport), until they notice. */
const cancelledImports = new Set<number>();

/** Where share bytes live: OPFS where a real probe shows sync access works, else IndexedDB blocks. */
let storeChoice: Promise<ByteStore> = opfsSyncAccessWorks(sharesDirectory).then((works) => (works ? new OpfsStore() : new IndexedDbStore()));
const byteStore = (): Promise<ByteStore> => storeChoice;
const progress = new Map<string, Promise<DownloadProgress>>();
/** Each download's chunks waiting to be written with their neighbours (write-behind.ts). */
const writesBehind = new Map<string, WriteBehind>();
/** Handle-backed shares' open files, by share id; null for a share whose bytes are stored here. */
const readable = new Map<string, Promise<SourceFile | null>>();
let importCounter = 0;
let database: Promise<IDBPDatabase> | undefined;

function db(): Promise<IDBPDatabase> {
  database ??= openShareDb();
  return database;
}

async function fileFor(name: string, create = false): Promise<ByteFile> {
  try {
    return await (await byteStore()).open(name, create);
  } catch (error) {
    if (error instanceof FileNotFoundError) throw new StorageNotFoundError(error.message);
    throw error;
  }
}

/** A download's progress (bitfield and running hash), loaded once and shared by every call. */
function progressOf(shareId: string): Promise<DownloadProgress> {
  let state = progress.get(shareId);
  if (!state) {
    state = (async () => {
      const record = await getStoredShare(await db(), shareId);
      if (!record) throw new StorageNotFoundError(`no download of ${shareId.slice(0, 12)}… in storage`);
      return DownloadProgress.open(record, await fileFor(bitsFileName(shareId), true), () => fileFor(shareFileName(shareId)));
    })();
    state.catch(() => progress.delete(shareId));
    progress.set(shareId, state);
  }
  return state;
}

/** A share's bytes to read: the user's file where the share has a source, else the stored copy. */
async function readableFile(shareId: string): Promise<ByteFile> {
  let source = readable.get(shareId);
  if (!source) {
    source = (async () => {
      const record = await getStoredShare(await db(), shareId);
      return record?.source ? SourceFile.open(record.source, record.meta.name) : null;
    })();
    source.catch(() => readable.delete(shareId));
    readable.set(shareId, source);
  }
  return (await source) ?? fileFor(shareFileName(shareId));
}

function writeBehindOf(shareId: string, state: DownloadProgress): WriteBehind {
  let writes = writesBehind.get(shareId);
  if (!writes) {
    writes = new WriteBehind(
      (offset, bytes) => writeBytes(shareId, offset, bytes),
      (index, data) => {
        state.mark(index);
        state.hashChunk(index, data);
      },
    );
    writesBehind.set(shareId, writes);
  }
  return writes;
}

/** Internal: the page can only write a downloaded chunk through writeVerifiedChunk. */
async function writeBytes(shareId: string, offset: number, bytes: Uint8Array): Promise<void> {
  const file = await fileFor(shareFileName(shareId));
  let written: number;
  try {
    written = await file.write(bytes, offset);
  } catch (error) {
    if (isOutOfSpace(error)) throw diskFull(error);
    throw error;
  }
  if (written !== bytes.byteLength) throw await shortWrite(written, bytes.byteLength);
}

export const storage = {
  /** Copies `file` into OPFS under a temporary name, returned; call commitImport once its id is known. */
  async importFile(file: Blob, jobId: number, onProgress?: (bytesDone: number) => void): Promise<string> {
    await ensureSpace(file.size);
    const tempName = `import-${Date.now()}-${importCounter++}.bin`;
    const target = await fileFor(tempName, true);
    // The stream's pieces are gathered into 1 MiB writes.
    let written = 0;
    const write = async (batch: Uint8Array) => {
      const count = await target.write(batch, written);
      if (count !== batch.byteLength) throw await shortWrite(count, batch.byteLength);
      written += batch.byteLength;
      onProgress?.(written);
    };
    try {
      await reserve(target, file.size);
      await streamInBatches(file, IMPORT_SLICE, write, {
        reuse: true,
        beforeRead: () => {
          if (cancelledImports.has(jobId)) throw new ImportCancelledError('the import was cancelled');
        },
      });
    } catch (error) {
      // Measured before the copy is deleted: what the storage held when it refused more.
      const full = isOutOfSpace(error) ? diskFull(error) : error;
      await (await byteStore()).remove(tempName);
      throw full;
    } finally {
      cancelledImports.delete(jobId);
    }
    if (written !== file.size) throw new Error(`imported ${written} bytes of a ${file.size}-byte file`);
    (await byteStore()).close(tempName);
    return tempName;
  },

  /** Stops the import `jobId` (its copy so far is deleted); harmless if it already ended. */
  cancelImport(jobId: number): void {
    cancelledImports.add(jobId);
  },

  /** Gives an imported file its share's name (replacing nothing if the share is already stored). */
  async commitImport(tempName: string, shareId: string): Promise<void> {
    await (await byteStore()).rename(tempName, shareFileName(shareId));
  },

  async discardImport(tempName: string): Promise<void> {
    await (await byteStore()).remove(tempName);
  },

  /**
   * Creates (or reopens, to resume) a download: its record (metadata, empty bitfield) and the file
   * it writes into, after checking the quota. Returns the chunks already on disk.
   */
  async allocate(shareId: string, meta: ShareMetadata): Promise<Uint8Array> {
    const database = await db();
    if (!(await getStoredShare(database, shareId))) {
      await putStoredShare(database, { id: shareId, meta, bitfield: new Uint8Array(Math.ceil(meta.chunkHashes.length / 8)), complete: false, addedAt: Date.now() });
    }
    await (await byteStore()).allocate(shareFileName(shareId), meta.size, ensureSpace);
    return (await progressOf(shareId)).record.bitfield;
  },

  /**
   * Writes chunk `index` of a download only if it has the right length and SHA-256; returns whether
   * it did. Verifying here, where the bytes land, saves a copy and a worker hop per chunk; the chunk
   * is written with the chunks next to it (write-behind.ts) and marked in the bitfield once written
   * (saved with its batch, see download-progress.ts).
   */
  async writeVerifiedChunk(shareId: string, index: number, data: Uint8Array): Promise<boolean> {
    const state = await progressOf(shareId);
    const { meta } = state.record;
    if (!Number.isInteger(index) || index < 0 || index >= meta.chunkHashes.length) throw new ChunkOutOfRangeError(`no chunk ${index} in this share`);
    const { start, end } = chunkRange(index, meta.size, CHUNK_SIZE);
    if (data.byteLength !== end - start) return false;
    const actual = toHex(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
    if (actual !== meta.chunkHashes[index]) return false;
    await writeBehindOf(shareId, state).add(index, start, data);
    return true;
  },

  /** Saves a download's bitfield now (e.g. before the page goes away). */
  async flushProgress(shareId: string): Promise<void> {
    // Chunks still gathered for a write go now (their calls are waiting; the page is going away).
    await writesBehind.get(shareId)?.flush();
    await (await progress.get(shareId))?.flush();
  },

  /**
   * Marks a download complete (its whole-file hash checked) and releases its file. The file is
   * flushed to disk (in its close) before the record says complete, so a record that says so never
   * outlives its bytes; a crash in between leaves a download that resumes (refetching at most the
   * last unsaved batch of chunks) and is checked again.
   */
  async completeShare(shareId: string): Promise<void> {
    writesBehind.delete(shareId);
    const state = await progressOf(shareId);
    state.dropUnsaved();
    (await byteStore()).close(shareFileName(shareId));
    state.record.complete = true;
    await saveProgress(await db(), shareId, new Uint8Array(state.record.bitfield), true);
    progress.delete(shareId);
    await (await byteStore()).remove(bitsFileName(shareId));
  },

  /**
   * SHA-256 of a complete download: the hash kept up while it ran, carried over whatever it had not
   * reached yet (read back in 1 MiB slices). Without a download in progress, the whole stored file.
   */
  async hashStoredShare(shareId: string): Promise<string> {
    const state = await progress.get(shareId)?.catch(() => undefined);
    const digest = await state?.digest(IMPORT_SLICE / CHUNK_SIZE);
    if (digest) return digest;
    const file = await readableFile(shareId);
    const hash = await createSHA256();
    hash.init();
    const size = file.size();
    const buffer = new Uint8Array(IMPORT_SLICE);
    for (let offset = 0; offset < size; offset += IMPORT_SLICE) {
      const read = await file.read(buffer, offset);
      hash.update(buffer.subarray(0, read));
    }
    return hash.digest('hex');
  },

  /**
   * Reads `length` bytes at `offset` into a new buffer that starts with `reserve` spare bytes, so the
   * caller can write a frame header in front without copying the chunk again. Transferred, not copied.
   */
  async readChunk(shareId: string, offset: number, length: number, reserve = 0): Promise<Uint8Array> {
    const [chunk] = await storage.readChunks(shareId, [{ offset, length }], reserve);
    return chunk!;
  },

  /**
   * Reads several byte ranges of a stored share in one call (one message each way instead of one per
   * chunk), each with `reserve` bytes free at its start for a frame header: into the caller's
   * buffers `into` (see ChunkStorage.readChunks), else into fresh ones.
   */
  async readChunks(shareId: string, ranges: { offset: number; length: number }[], reserve = 0, into?: Uint8Array[]): Promise<Uint8Array[]> {
    const buffers = await readRanges(await readableFile(shareId), ranges, reserve, into, (message) => new StorageNotFoundError(message));
    return Comlink.transfer(buffers, [...new Set(buffers.map((b) => b.buffer))]);
  },

  /** Flushes and releases the file, so the service worker can read it. */
  async release(shareId: string): Promise<void> {
    readable.delete(shareId);
    (await byteStore()).close(shareFileName(shareId));
  },

  /** Records a handle-backed share's file as checked again (same share, new modification time); reads reopen it. */
  async updateSource(shareId: string, source: ShareSource): Promise<void> {
    await saveSource(await db(), shareId, source);
    readable.delete(shareId);
  },

  /** Forgets the open file of a share, so the next read opens it again (a handle-backed share after a failed read). */
  forgetReadable(shareId: string): void {
    readable.delete(shareId);
  },

  async removeShare(shareId: string): Promise<void> {
    writesBehind.get(shareId)?.discard(new StorageNotFoundError('the download was removed'));
    writesBehind.delete(shareId);
    const state = await progress.get(shareId)?.catch(() => undefined);
    state?.dropUnsaved();
    progress.delete(shareId);
    readable.delete(shareId);
    await (await byteStore()).remove(shareFileName(shareId));
    await (await byteStore()).remove(bitsFileName(shareId));
    await deleteStoredShare(await db(), shareId);
  },

  /**
   * Chooses where share bytes live: 'opfs' (the default where it works) or 'indexeddb' (the fallback,
   * also selectable for testing). Call before anything is stored; returns the store in use.
   */
  async useBackend(kind: 'opfs' | 'indexeddb'): Promise<'opfs' | 'indexeddb'> {
    const current = await byteStore();
    if (kind === current.kind) return kind;
    if (kind === 'opfs' && !(await opfsSyncAccessWorks(sharesDirectory))) return current.kind;
    storeChoice = Promise.resolve(kind === 'opfs' ? new OpfsStore() : new IndexedDbStore());
    return kind;
  },

  async backend(): Promise<'opfs' | 'indexeddb'> {
    return (await byteStore()).kind;
  },

  /** The rooms a share is offered in ('' is the room of the user's network), and with `secret` that it is private (it stays private). */
  async setShareRooms(shareId: string, rooms: string[], secret?: string): Promise<void> {
    await saveRooms(await db(), shareId, rooms, secret);
  },

  async putShare(record: StoredShare): Promise<void> {
    readable.delete(record.id);
    await putStoredShare(await db(), record);
  },

  async partial(shareId: string): Promise<{ meta: ShareMetadata; bitfield: Uint8Array } | undefined> {
    const record = await storage.getShare(shareId);
    return record && !record.complete ? { meta: record.meta, bitfield: record.bitfield } : undefined;
  },

  async getShare(shareId: string): Promise<StoredShare | undefined> {
    const record = await getStoredShare(await db(), shareId);
    return record && !record.complete ? (await progressOf(shareId)).record : record;
  },

  async listShares(): Promise<StoredShare[]> {
    const records = await listStoredShares(await db());
    return Promise.all(records.map(async (r) => (r.complete ? r : (await progressOf(r.id)).record)));
  },
};

export type ShareStorage = typeof storage;

/**
 * What the page reaches here: storage, and the data plane once started. The plane runs here only if
 * data channels can be transferred to this worker; the page proves it by sending a probe channel.
 */
const exposed = {
  ...storage,
  plane: undefined as unknown as DataPlane,
  startPlane(events: PlaneEvents, probe: RTCDataChannel): void {
    probe.close();
    exposed.plane ??= new DataPlane(storage, events);
  },
};

export type StorageWorker = typeof exposed;

Comlink.expose(exposed);
