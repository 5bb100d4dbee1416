/**
 * Share bytes in IndexedDB, where OPFS sync access is missing. Layout (database "shoal-bytes"):
 * `files` maps a file name to {key, size}; `blocks` holds its bytes as 64 KiB Blobs keyed
 * [key, block index]. A missing block reads as zeros (a sparse file). Renaming a file rewrites only
 * its `files` entry. Writes to one file are applied one at a time.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { CHUNK_SIZE } from '../protocol/index.js';
import { FileNotFoundError, resizeFile, type ByteFile, type ByteStore } from './byte-store.js';

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

  async allocate(name: string, size: number, beforeGrowing: (bytes: number) => Promise<void>): Promise<void> {
    await resizeFile(await this.open(name, true), size, beforeGrowing);
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
