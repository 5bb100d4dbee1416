/**
 * A share read straight from the user's file (a FileSystemFileHandle), not from a copy in browser
 * storage. It reads through a File snapshot: Chromium refuses to read a snapshot once the file on
 * disk has changed (NotReadableError), and that is reported as SourceChangedError, so a changed
 * file is never served as if it were the share.
 */
import type { ByteFile } from './byte-store.js';
import type { ShareSource } from './share-records.js';

import { SourceChangedError, SourcePermissionError } from '../plane/chunk-storage.js';

// What a read of the user's file throws: owned by the data plane's storage contract.
export { isError, SourceChangedError, SourcePermissionError } from '../plane/chunk-storage.js';

/** Whether `file` still looks like the file that was hashed (same size and modification time). */
export function matchesSource(file: File, source: ShareSource): boolean {
  return file.size === source.size && file.lastModified === source.lastModified;
}

/** The handle's file now; its errors turned into the two above. */
export async function sourceSnapshot(source: ShareSource, name: string): Promise<File> {
  let file: File;
  try {
    file = await source.handle.getFile();
  } catch (error) {
    const why = (error as Error).name;
    if (why === 'NotAllowedError' || why === 'SecurityError') throw new SourcePermissionError(`Shoal needs your permission to read "${name}" again`);
    throw new SourceChangedError(`"${name}" can no longer be read from disk (${why}): it was moved, renamed or deleted`);
  }
  if (!matchesSource(file, source)) throw new SourceChangedError(`"${name}" changed on disk since it was shared`);
  return file;
}

/**
 * Bytes read from the user's file at once. Every Blob read has a large fixed cost (a trip through the
 * browser process): measured here (Chromium 156, 256 MiB file), 64 KiB reads ran at 13 MiB/s for
 * 152 ms of machine CPU per MiB, 2 MiB reads at 47 MiB/s for 42 ms, 8 MiB reads at 137–152 MiB/s
 * for 10–15 ms. A seeder's reads come in file order per leecher, so one read serves 128 chunks, and
 * seeding from disk costs what seeding from OPFS does (390–476 against 387–462 ms of machine CPU per
 * MiB sent, transport included; 468–518 with a read per chunk).
 */
const WINDOW_BYTES = 8 * 2 ** 20;
/** Windows kept: two leechers reading different places, or one read crossing a window's end. */
const WINDOWS_KEPT = 2;
/** Windows are let go once no read came for this long, so idle shares hold no memory. */
const IDLE_MS = 3000;

export class SourceFile implements ByteFile {
  /** Recent windows by their start offset, least recently used first. */
  readonly #windows = new Map<number, Promise<Uint8Array>>();
  #idle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly file: File,
    private readonly name: string,
  ) {}

  static async open(source: ShareSource, name: string): Promise<SourceFile> {
    return new SourceFile(await sourceSnapshot(source, name), name);
  }

  size(): number {
    return this.file.size;
  }

  async read(into: Uint8Array, at: number): Promise<number> {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#windows.clear(), IDLE_MS);
    const end = Math.min(at + into.byteLength, this.file.size);
    let done = 0;
    while (at + done < end) {
      const position = at + done;
      const start = position - (position % WINDOW_BYTES);
      const window = await this.#window(start);
      const count = Math.min(end - position, window.byteLength - (position - start));
      if (count <= 0) break;
      into.set(window.subarray(position - start, position - start + count), done);
      done += count;
    }
    return done;
  }

  #window(start: number): Promise<Uint8Array> {
    let window = this.#windows.get(start);
    if (window) {
      this.#windows.delete(start); // most recently used goes last
    } else {
      window = this.file
        .slice(start, Math.min(start + WINDOW_BYTES, this.file.size))
        .arrayBuffer()
        .then(
          (bytes) => new Uint8Array(bytes),
          (error: Error) => {
            this.#windows.delete(start);
            throw new SourceChangedError(`"${this.name}" changed on disk since it was shared, or can no longer be read (${error.name})`);
          },
        );
    }
    this.#windows.set(start, window);
    if (this.#windows.size > WINDOWS_KEPT) this.#windows.delete(this.#windows.keys().next().value!);
    return window;
  }

  truncate(): Promise<void> {
    return Promise.reject(new TypeError('a share read from the user\'s file is read-only'));
  }

  write(): Promise<number> {
    return Promise.reject(new TypeError('a share read from the user\'s file is read-only'));
  }

  async flush(): Promise<void> {}
}
