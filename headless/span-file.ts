/**
 * A share's bytes on a plain disk: one file, or a folder's files one after another (a chunk may run
 * across a file boundary, as in BitTorrent). Read and written through `fs` handles at offsets, so a
 * share of any size never sits in memory. Implements the storage worker's ByteFile, so the same
 * download progress (bitfield sidecar, running hash) runs over it.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { placeFiles, type PlacedFile, type ShareMetadata } from '../protocol/index.js';
import type { ByteFile } from '../workers/byte-store.js';

/** A path the share's metadata names would land outside the folder it is written into. */
export class UnsafePathError extends Error {
  override name = 'UnsafePathError';
}

/** The files a share is made of under `root` (the file itself for a single file), each checked to stay inside it. */
export function shareFilesUnder(root: string, meta: Pick<ShareMetadata, 'name' | 'size' | 'files'>): (PlacedFile & { at: string })[] {
  if (!meta.files) return [{ path: meta.name, size: meta.size, offset: 0, at: root }];
  const base = resolve(root);
  return placeFiles(meta).map((file) => {
    const at = resolve(join(base, ...file.path.split('/')));
    if (!at.startsWith(base + sep)) throw new UnsafePathError(`"${file.path}" would be written outside ${root}`);
    return { ...file, at };
  });
}

export class SpanFile implements ByteFile {
  readonly #handles: (FileHandle | undefined)[];
  #size: number;

  private constructor(
    private readonly files: (PlacedFile & { at: string })[],
    private readonly writable: boolean,
  ) {
    this.#handles = files.map(() => undefined);
    this.#size = files.reduce((n, f) => n + f.size, 0);
  }

  /** Opens the share's files to read (they must exist), or with `writable` to write (created as needed). */
  static async open(files: (PlacedFile & { at: string })[], writable: boolean): Promise<SpanFile> {
    const span = new SpanFile(files, writable);
    try {
      for (let i = 0; i < files.length; i++) {
        if (writable) await mkdir(dirname(files[i]!.at), { recursive: true });
        span.#handles[i] = await open(files[i]!.at, writable ? (await exists(files[i]!.at)) ? 'r+' : 'w+' : 'r');
      }
    } catch (error) {
      await span.close();
      throw error;
    }
    return span;
  }

  size(): number {
    return this.#size;
  }

  /** Sizes every file to its length in the share (a new download's files are sparse until written). */
  async truncate(size: number): Promise<void> {
    if (size !== this.#size) throw new RangeError(`a share's files hold ${this.#size} bytes, not ${size}`);
    for (const [i, file] of this.files.entries()) await this.#handles[i]!.truncate(file.size);
  }

  write(bytes: Uint8Array, at: number): Promise<number> {
    return this.#each(bytes, at, (handle, part, position) => handle.write(part, 0, part.byteLength, position).then((r) => r.bytesWritten));
  }

  read(into: Uint8Array, at: number): Promise<number> {
    return this.#each(into, at, async (handle, part, position) => {
      let done = 0;
      while (done < part.byteLength) {
        const { bytesRead } = await handle.read(part, done, part.byteLength - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done;
    });
  }

  async flush(): Promise<void> {
    if (this.writable) for (const handle of this.#handles) await handle?.datasync();
  }

  async close(): Promise<void> {
    for (const [i, handle] of this.#handles.entries()) {
      this.#handles[i] = undefined;
      await handle?.close().catch(() => undefined);
    }
  }

  /** Runs `op` on each file the range [at, at + bytes.length) touches; the bytes it moved, stopping at a short one. */
  async #each(bytes: Uint8Array, at: number, op: (handle: FileHandle, part: Uint8Array, position: number) => Promise<number>): Promise<number> {
    let done = 0;
    for (const [i, file] of this.files.entries()) {
      const from = at + done;
      if (done === bytes.byteLength) break;
      if (from >= file.offset + file.size || file.size === 0) continue;
      if (from < file.offset) break;
      const length = Math.min(bytes.byteLength - done, file.offset + file.size - from);
      const handle = this.#handles[i];
      if (!handle) throw new Error('the share file is closed');
      const moved = await op(handle, bytes.subarray(done, done + length), from - file.offset);
      done += moved;
      if (moved < length) break;
    }
    return done;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await open(path, 'r')).close();
    return true;
  } catch {
    return false;
  }
}
