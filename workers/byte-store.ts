/**
 * Where share bytes live, behind one small interface: OPFS through sync access handles (fast; only a
 * dedicated worker may open them), or, where OPFS sync access is missing, IndexedDB blocks. The
 * storage worker uses one of them; the service worker reads either (see shareContent).
 *
 * IndexedDB layout (database "shoal-bytes"): `files` maps a file name to {key, size}; `blocks` holds
 * its bytes as 64 KiB Blobs keyed [key, block index]. A missing block reads as zeros (a sparse file).
 * Renaming a file rewrites only its `files` entry. Writes to one file are applied one at a time.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { CHUNK_SIZE } from '../protocol/index.js';
import { sharesDirectory } from './storage-layout.js';

export interface ByteFile {
  size(): number;
  truncate(size: number): Promise<void>;
  /** Writes `bytes` at `at`; returns how many were written (fewer means the disk is full). */
  write(bytes: Uint8Array, at: number): Promise<number>;
  /** Reads into `into` from `at`; returns how many bytes were read (fewer at the end of the file). */
  read(into: Uint8Array, at: number): Promise<number>;
  flush(): Promise<void>;
}

export interface ByteStore {
  readonly kind: 'opfs' | 'indexeddb';
  /** Opens a file (memoized: every caller shares one open). Throws NotFoundError unless `create`. */
  open(name: string, create?: boolean): Promise<ByteFile>;
  /** Flushes and releases an open file, so others (the service worker) can read it. */
  close(name: string): void;
  remove(name: string): Promise<void>;
  /** Renames a closed file, replacing any file of the new name. */
  rename(from: string, to: string): Promise<void>;
}

export class FileNotFoundError extends Error {
  override name = 'FileNotFoundError';
}

/** True where this worker can use OPFS sync access handles. */
export function hasOpfsSyncAccess(): boolean {
  return typeof navigator.storage?.getDirectory === 'function' && typeof FileSystemFileHandle !== 'undefined' && 'createSyncAccessHandle' in FileSystemFileHandle.prototype;
}

// ---- OPFS --------------------------------------------------------------------------------------

/** Waiting up to 5 s for a lock the previous page holds: its worker is torn down within that. */
const LOCK_RETRIES = 50;
const LOCK_RETRY_MS = 100;

export class OpfsStore implements ByteStore {
  readonly kind = 'opfs';
  readonly #handles = new Map<string, FileSystemSyncAccessHandle>();
  /** Opens in progress: concurrent callers share one open, since a second would hit the file's lock. */
  readonly #opening = new Map<string, Promise<ByteFile>>();
  readonly #files = new Map<string, ByteFile>();

  open(name: string, create = false): Promise<ByteFile> {
    const open = this.#files.get(name);
    if (open) return Promise.resolve(open);
    let pending = this.#opening.get(name);
    if (!pending) {
      pending = this.#open(name, create).finally(() => this.#opening.delete(name));
      this.#opening.set(name, pending);
    }
    return pending;
  }

  async #open(name: string, create: boolean): Promise<ByteFile> {
    const dir = await sharesDirectory();
    let file: FileSystemFileHandle;
    try {
      file = await dir.getFileHandle(name, { create });
    } catch (error) {
      if ((error as Error).name === 'NotFoundError') throw new FileNotFoundError(`${name} is not in storage`);
      throw error;
    }
    // After a reload the previous page's worker may still hold the file's exclusive lock for a moment.
    for (let attempt = 1; ; attempt++) {
      try {
        const handle = await file.createSyncAccessHandle();
        this.#handles.set(name, handle);
        const byteFile: ByteFile = {
          size: () => handle.getSize(),
          truncate: async (size) => handle.truncate(size),
          write: async (bytes, at) => handle.write(bytes, { at }),
          read: async (into, at) => handle.read(into, { at }),
          flush: async () => handle.flush(),
        };
        this.#files.set(name, byteFile);
        return byteFile;
      } catch (error) {
        if ((error as Error).name !== 'NoModificationAllowedError' || attempt >= LOCK_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
      }
    }
  }

  close(name: string): void {
    const handle = this.#handles.get(name);
    if (!handle) return;
    handle.flush();
    handle.close();
    this.#handles.delete(name);
    this.#files.delete(name);
  }

  async remove(name: string): Promise<void> {
    this.close(name);
    await (await sharesDirectory()).removeEntry(name).catch(() => undefined);
  }

  async rename(from: string, to: string): Promise<void> {
    this.close(from);
    this.close(to);
    const dir = await sharesDirectory();
    await dir.removeEntry(to).catch(() => undefined);
    const file = (await dir.getFileHandle(from)) as FileSystemFileHandle & { move(name: string): Promise<void> };
    await file.move(to);
  }
}

// ---- IndexedDB ---------------------------------------------------------------------------------

export const BYTES_DB_NAME = 'shoal-bytes';
const FILES = 'files';
const BLOCKS = 'blocks';
const BLOCK = CHUNK_SIZE;

interface FileRecord {
  name: string;
  key: string;
  size: number;
}

export function openBytesDb(): Promise<IDBPDatabase> {
  return openDB(BYTES_DB_NAME, 1, {
    upgrade(db) {
      db.createObjectStore(FILES, { keyPath: 'name' });
      db.createObjectStore(BLOCKS);
    },
  });
}

/** Every block of a file, in order, as stored Blobs (lazy: no bytes are read). */
export async function fileBlocks(db: IDBPDatabase, name: string): Promise<{ size: number; blocks: Blob[] } | undefined> {
  const record = (await db.get(FILES, name)) as FileRecord | undefined;
  if (!record) return undefined;
  const count = Math.ceil(record.size / BLOCK);
  const stored = (await db.getAll(BLOCKS, IDBKeyRange.bound([record.key, 0], [record.key, count - 1]))) as Blob[];
  const keys = (await db.getAllKeys(BLOCKS, IDBKeyRange.bound([record.key, 0], [record.key, count - 1]))) as [string, number][];
  const blocks: Blob[] = [];
  let next = 0;
  for (const [i, [, index]] of keys.entries()) {
    for (; next < index; next++) blocks.push(new Blob([new Uint8Array(blockLength(next, record.size))]));
    blocks.push(stored[i]!.slice(0, blockLength(index, record.size)));
    next = index + 1;
  }
  for (; next < count; next++) blocks.push(new Blob([new Uint8Array(blockLength(next, record.size))]));
  return { size: record.size, blocks };
}

function blockLength(index: number, size: number): number {
  return Math.max(0, Math.min(BLOCK, size - index * BLOCK));
}

export class IndexedDbStore implements ByteStore {
  readonly kind = 'indexeddb';
  #db: Promise<IDBPDatabase> | undefined;
  readonly #files = new Map<string, Promise<ByteFile>>();

  #database(): Promise<IDBPDatabase> {
    this.#db ??= openBytesDb();
    return this.#db;
  }

  open(name: string, create = false): Promise<ByteFile> {
    let file = this.#files.get(name);
    if (!file) {
      file = this.#open(name, create);
      file.catch(() => this.#files.delete(name));
      this.#files.set(name, file);
    }
    return file;
  }

  async #open(name: string, create: boolean): Promise<ByteFile> {
    const db = await this.#database();
    let record = (await db.get(FILES, name)) as FileRecord | undefined;
    if (!record) {
      if (!create) throw new FileNotFoundError(`${name} is not in storage`);
      record = { name, key: crypto.randomUUID(), size: 0 };
      await db.put(FILES, record);
    }
    const current = record;
    let queue: Promise<unknown> = Promise.resolve();
    /** Writes and truncations are applied one at a time, in call order. */
    const serial = <T>(work: () => Promise<T>): Promise<T> => {
      const result = queue.then(work);
      queue = result.catch(() => undefined);
      return result;
    };
    const readBlock = async (index: number): Promise<Uint8Array> => {
      const blob = (await db.get(BLOCKS, [current.key, index])) as Blob | undefined;
      const bytes = new Uint8Array(BLOCK);
      if (blob) bytes.set(new Uint8Array(await blob.slice(0, BLOCK).arrayBuffer()));
      return bytes;
    };
    return {
      size: () => current.size,
      truncate: (size) =>
        serial(async () => {
          const tx = db.transaction([FILES, BLOCKS], 'readwrite');
          const keep = Math.ceil(size / BLOCK);
          if (size < current.size) void tx.objectStore(BLOCKS).delete(IDBKeyRange.bound([current.key, keep], [current.key, Infinity]));
          current.size = size;
          void tx.objectStore(FILES).put(current);
          await tx.done;
        }),
      write: (bytes, at) =>
        serial(async () => {
          // Whole blocks are written as they are; a partial block is read, patched and written back.
          const first = Math.floor(at / BLOCK);
          const last = Math.floor((at + bytes.byteLength - 1) / BLOCK);
          const blocks: [number, Blob][] = [];
          for (let index = first; index <= last && bytes.byteLength > 0; index++) {
            const start = Math.max(at, index * BLOCK);
            const end = Math.min(at + bytes.byteLength, (index + 1) * BLOCK);
            const part = bytes.subarray(start - at, end - at);
            if (start === index * BLOCK && (end === (index + 1) * BLOCK || end >= current.size)) {
              blocks.push([index, new Blob([part as Uint8Array<ArrayBuffer>])]);
            } else {
              const block = await readBlock(index);
              block.set(part, start - index * BLOCK);
              blocks.push([index, new Blob([block.subarray(0, Math.max(end - index * BLOCK, blockLength(index, current.size))) as Uint8Array<ArrayBuffer>])]);
            }
          }
          const tx = db.transaction([FILES, BLOCKS], 'readwrite');
          for (const [index, blob] of blocks) void tx.objectStore(BLOCKS).put(blob, [current.key, index]);
          if (at + bytes.byteLength > current.size) {
            current.size = at + bytes.byteLength;
            void tx.objectStore(FILES).put(current);
          }
          await tx.done;
          return bytes.byteLength;
        }),
      read: async (into, at) => {
        await queue; // reads see every write made before them
        const length = Math.max(0, Math.min(into.byteLength, current.size - at));
        for (let done = 0; done < length; ) {
          const index = Math.floor((at + done) / BLOCK);
          const offset = (at + done) % BLOCK;
          const take = Math.min(BLOCK - offset, length - done);
          const blob = (await db.get(BLOCKS, [current.key, index])) as Blob | undefined;
          const got = blob ? new Uint8Array(await blob.slice(offset, offset + take).arrayBuffer()) : new Uint8Array(0);
          into.set(got, done);
          into.fill(0, done + got.byteLength, done + take); // sparse: never written reads as zeros
          done += take;
        }
        return length;
      },
      flush: async () => {
        await queue;
      },
    };
  }

  close(name: string): void {
    this.#files.delete(name);
  }

  async remove(name: string): Promise<void> {
    this.#files.delete(name);
    const db = await this.#database();
    const record = (await db.get(FILES, name)) as FileRecord | undefined;
    if (!record) return;
    const tx = db.transaction([FILES, BLOCKS], 'readwrite');
    void tx.objectStore(BLOCKS).delete(IDBKeyRange.bound([record.key, 0], [record.key, Infinity]));
    void tx.objectStore(FILES).delete(name);
    await tx.done;
  }

  async rename(from: string, to: string): Promise<void> {
    await this.remove(to);
    this.#files.delete(from);
    const db = await this.#database();
    const tx = db.transaction(FILES, 'readwrite');
    const record = (await tx.store.get(from)) as FileRecord | undefined;
    if (!record) throw new FileNotFoundError(`${from} is not in storage`);
    void tx.store.delete(from);
    void tx.store.put({ ...record, name: to });
    await tx.done;
  }
}

/**
 * A stored file as a Blob, read lazily as it is consumed (for the service worker): the OPFS file,
 * or the IndexedDB blocks joined (Blob parts are references, so nothing is copied or held).
 */
export async function storedFileBlob(name: string): Promise<Blob | undefined> {
  if (typeof navigator.storage?.getDirectory === 'function') {
    try {
      return await (await (await sharesDirectory()).getFileHandle(name)).getFile();
    } catch {
      // not in OPFS: try IndexedDB
    }
  }
  const db = await openBytesDb();
  try {
    const file = await fileBlocks(db, name);
    return file && new Blob(file.blocks);
  } finally {
    db.close();
  }
}
