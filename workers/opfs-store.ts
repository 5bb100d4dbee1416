/** Share bytes in OPFS through sync access handles: fast, and only a dedicated worker may open them. */
import { FileNotFoundError, resizeFile, type ByteFile, type ByteStore } from './byte-store.js';
import { sharesDirectory } from './storage-layout.js';

/** Waiting up to 5 s for a lock the previous page holds: its worker is torn down within that. */
const LOCK_RETRIES = 50;
const LOCK_RETRY_MS = 100;

export class OpfsStore implements ByteStore {
  readonly kind = 'opfs';
  readonly #handles = new Map<string, FileSystemSyncAccessHandle>();
  /** Opens in progress: concurrent callers share one open, since a second would hit the file's lock. */
  readonly #opening = new Map<string, Promise<ByteFile>>();
  readonly #files = new Map<string, ByteFile>();
  /** New files being grown to their size without a sync handle (allocate): opens wait for them. */
  readonly #growing = new Map<string, Promise<boolean>>();

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
    await this.#growing.get(name)?.catch(() => undefined);
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

  /**
   * A new (empty) file is grown through a writable stream, whose truncate runs in the browser while
   * this worker goes on: the data plane lives here, and a private window's in-memory store takes
   * ~4 ms of CPU per MiB to grow a file (1.0–1.5 s for 256 MiB, measured here), for all of which a
   * sync handle's truncate held the worker, and every upload and download in it. Growing in steps
   * cost more in all (each step copies what is there). A file with bytes in it, one still locked by
   * the previous page's worker, or a browser without writable streams in workers is grown through
   * its sync handle. An open of the file waits for its growth (the stream holds the file's lock).
   */
  async allocate(name: string, size: number, beforeGrowing: (bytes: number) => Promise<void>): Promise<void> {
    if (!this.#files.has(name) && !this.#opening.has(name) && !this.#growing.has(name)) {
      const growing = this.#growNew(name, size, beforeGrowing).finally(() => this.#growing.delete(name));
      this.#growing.set(name, growing);
      if (await growing) return;
    }
    await resizeFile(await this.open(name, true), size, beforeGrowing);
  }

  /** Grows a new or empty file to `size` without a sync handle; false where it cannot (the caller uses one). */
  async #growNew(name: string, size: number, beforeGrowing: (bytes: number) => Promise<void>): Promise<boolean> {
    if (typeof FileSystemFileHandle === 'undefined' || !('createWritable' in FileSystemFileHandle.prototype)) return false;
    let file: FileSystemFileHandle;
    let current: number;
    try {
      file = await (await sharesDirectory()).getFileHandle(name, { create: true });
      current = (await file.getFile()).size;
    } catch {
      return false;
    }
    if (current === size) return true;
    if (current !== 0) return false;
    await beforeGrowing(size);
    let writable: FileSystemWritableFileStream;
    try {
      writable = await file.createWritable({ keepExistingData: false });
    } catch {
      return false;
    }
    try {
      await writable.truncate(size);
      await writable.close();
    } catch (error) {
      await writable.abort().catch(() => undefined);
      if ((error as Error).name === 'QuotaExceededError') throw error;
      return false;
    }
    return true;
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
    await this.#growing.get(name)?.catch(() => undefined);
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
