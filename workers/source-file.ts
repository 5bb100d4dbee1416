/**
 * A share read straight from the user's file (a FileSystemFileHandle), not from a copy in browser
 * storage. It reads through a File snapshot: Chromium refuses to read a snapshot once the file on
 * disk has changed (NotReadableError), and that is reported as SourceChangedError, so a changed
 * file is never served as if it were the share.
 */
import type { ByteFile } from './byte-store.js';
import type { ShareSource } from './share-records.js';

/** The file behind a share is gone, unreadable, or not what was hashed. */
export class SourceChangedError extends Error {
  override name = 'SourceChangedError';
}

/** A share's file can no longer be read without the user's permission (after a browser restart). */
export class SourcePermissionError extends Error {
  override name = 'SourcePermissionError';
}

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

export class SourceFile implements ByteFile {
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
    const end = Math.min(at + into.byteLength, this.file.size);
    if (end <= at) return 0;
    let bytes: ArrayBuffer;
    try {
      bytes = await this.file.slice(at, end).arrayBuffer();
    } catch (error) {
      throw new SourceChangedError(`"${this.name}" changed on disk since it was shared, or can no longer be read (${(error as Error).name})`);
    }
    into.set(new Uint8Array(bytes));
    return bytes.byteLength;
  }

  truncate(): Promise<void> {
    return Promise.reject(new TypeError('a share read from the user\'s file is read-only'));
  }

  write(): Promise<number> {
    return Promise.reject(new TypeError('a share read from the user\'s file is read-only'));
  }

  async flush(): Promise<void> {}
}
