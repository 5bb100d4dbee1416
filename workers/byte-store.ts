/**
 * Where share bytes live, behind one small interface: OPFS through sync access handles (fast; only a
 * dedicated worker may open them: opfs-store.ts), or, where OPFS sync access is missing, IndexedDB
 * blocks (indexeddb-store.ts). The storage worker uses one of them; the service worker reads either
 * (stored-file.ts).
 */

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
  /**
   * Gives a download's file its full `size` (zeros where nothing is written yet), creating it if
   * need be; `beforeGrowing` is told how many bytes it grows by first (and may refuse by throwing).
   */
  allocate(name: string, size: number, beforeGrowing: (bytes: number) => Promise<void>): Promise<void>;
  /** Flushes and releases an open file, so others (the service worker) can read it. */
  close(name: string): void;
  remove(name: string): Promise<void>;
  /** Renames a closed file, replacing any file of the new name. */
  rename(from: string, to: string): Promise<void>;
}

/**
 * Reads byte ranges of `file`, each with `reserve` bytes free at its start (for a frame header):
 * into the caller's buffers `into` where they are long enough, else into fresh ones (see
 * ChunkStorage.readChunks). Ranges that follow one another are read with one call and copied out:
 * where a read is a call into another process (OPFS in a private window), four chunks cost one
 * call instead of four. A short read throws what `shortRead` makes.
 */
export async function readRanges(file: ByteFile, ranges: { offset: number; length: number }[], reserve: number, into: Uint8Array[] | undefined, shortRead: (message: string) => Error): Promise<Uint8Array[]> {
  const buffers = ranges.map(({ length }, i) => {
    const given = into?.[i];
    return given && given.byteLength >= reserve + length ? given.subarray(0, reserve + length) : new Uint8Array(reserve + length);
  });
  for (let first = 0; first < ranges.length; ) {
    let last = first;
    while (last + 1 < ranges.length && ranges[last + 1]!.offset === ranges[last]!.offset + ranges[last]!.length) last++;
    const offset = ranges[first]!.offset;
    const length = ranges[last]!.offset + ranges[last]!.length - offset;
    // Not a buffer kept between calls: another read may run while this one waits.
    const target = first === last ? buffers[first]!.subarray(reserve) : new Uint8Array(length);
    const read = await file.read(target, offset);
    if (read !== length) throw shortRead(`short read: ${read} of ${length} bytes at ${offset}`);
    if (first !== last) {
      for (let i = first; i <= last; i++) buffers[i]!.set(target.subarray(ranges[i]!.offset - offset, ranges[i]!.offset - offset + ranges[i]!.length), reserve);
    }
    first = last + 1;
  }
  return buffers;
}

/** Grows or shrinks an open file to `size` (a store's allocate through its file calls), asking `beforeGrowing` first when it grows. */
export async function resizeFile(file: ByteFile, size: number, beforeGrowing: (bytes: number) => Promise<void>): Promise<void> {
  const current = file.size();
  if (current === size) return;
  if (size > current) await beforeGrowing(size - current);
  await file.truncate(size);
}

export class FileNotFoundError extends Error {
  override name = 'FileNotFoundError';
}

/** True where this worker has the OPFS sync access functions (they may still refuse to work). */
export function hasOpfsSyncAccess(): boolean {
  return typeof navigator.storage?.getDirectory === 'function' && typeof FileSystemFileHandle !== 'undefined' && 'createSyncAccessHandle' in FileSystemFileHandle.prototype;
}

/** How long the probe may take before OPFS counts as not working (a hung call must not hang storage). */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Whether OPFS sync access really works here, tried for real: open the folder, create a file, open
 * a sync handle on it, close and remove it. The functions exist in a Firefox private window too,
 * where getDirectory() throws SecurityError; only a probe tells.
 */
export async function opfsSyncAccessWorks(folder: () => Promise<FileSystemDirectoryHandle>): Promise<boolean> {
  if (!hasOpfsSyncAccess()) return false;
  const probe = async () => {
    const dir = await folder();
    const name = `probe-${crypto.randomUUID()}.tmp`;
    const handle = await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle();
    handle.close();
    await dir.removeEntry(name);
    return true;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS)));
  try {
    return await Promise.race([probe(), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
