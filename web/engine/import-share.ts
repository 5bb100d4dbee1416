/**
 * Turns a user's file or folder into a stored, seedable share: the hashing worker computes the chunk
 * and whole-share hashes while the storage worker copies the bytes into OPFS (both stream; neither
 * holds the file; a folder is its files concatenated), then the share gets its id and its record.
 * A file with a handle is not copied: it is hashed once, and its record keeps the handle (with the
 * size and modification time it was hashed at), so it is seeded from where it lies.
 */
import { Bitfield, chunkCount, CHUNK_SIZE, computeShareId, PROTOCOL_VERSION, type ShareMetadata } from '../../protocol/index.js';
import type { HasherPort, StoragePort } from './engine-components.js';
import * as Comlink from 'comlink';
import { folderFiles, inputBlob, inputName, inputSize, inputType, isFolder, isHandleInput, safeName, type ShareInput } from './share-input.js';
import type { ShareSource } from '../../workers/share-records.js';
import { SPEED_WINDOW_MS } from '../../plane/constants.js';
import { etaSeconds, SpeedMeter } from '../../plane/speed-meter.js';
import { blankShare } from './state.js';
import type { StateWriter } from './state-writer.js';
import { IMPORT_STALL_MS } from './constants.js';

export interface ImportedShare {
  id: string;
  meta: ShareMetadata;
  /** Seeded from the user's file by its handle (no copy was made). */
  fromDisk: boolean;
}

let jobCounter = 0;

export class ImportAbortedError extends Error {
  override name = 'ImportAbortedError';
}

/** An import that made no progress for IMPORT_STALL_MS. */
export class ImportStalledError extends Error {
  override name = 'ImportStalledError';
}

/** Imports `source`; aborting `signal` stops the hashing and the copy and deletes what was copied. */
export async function importShare(
  source: ShareInput,
  rooms: string[],
  workers: { hasher: HasherPort; storage: StoragePort },
  onProgress: (bytesDone: number) => void,
  signal?: AbortSignal,
): Promise<ImportedShare> {
  const jobId = ++jobCounter;
  signal?.throwIfAborted();
  const folder = isFolder(source) ? folderFiles(source) : undefined;
  const handle = isHandleInput(source) ? source.handle : undefined;
  // A handle's file as it is now: its size and modification time are what later checks compare.
  const file = folder ? new Blob(folder.ordered.map((f) => f.file)) : handle ? await handle.getFile() : inputBlob(source);
  let hashed = 0;
  let copied = handle ? Infinity : 0;
  const report = () => onProgress(Math.min(hashed, copied));
  const copying = handle ? Promise.resolve(undefined) : workers.storage.importFile(file, jobId, Comlink.proxy((n: number) => ((copied = n), report())));
  let tempName: string | undefined;
  const stop = () => {
    void workers.hasher.cancel(jobId);
    void workers.storage.cancelImport(jobId);
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const [hashes, temp] = await Promise.all([
      workers.hasher.hashFile(file, jobId, Comlink.proxy((n: number) => ((hashed = n), report()))),
      copying.then((name) => (tempName = name)),
    ]);
    const meta: ShareMetadata = {
      version: PROTOCOL_VERSION,
      name: safeName(inputName(source)),
      type: inputType(source),
      size: file.size,
      chunkSize: CHUNK_SIZE,
      fileHash: hashes.fileHash,
      chunkHashes: hashes.chunkHashes,
      ...(folder ? { files: folder.files } : {}),
    };
    const id = await computeShareId(meta);
    if (signal?.aborted) throw new ImportAbortedError('the import was cancelled');
    if (temp) await workers.storage.commitImport(temp, id);
    const bitfield = Bitfield.full(chunkCount(meta.size));
    const shared: ShareSource | undefined = handle && { kind: 'handle', handle, size: (file as File).size, lastModified: (file as File).lastModified };
    await workers.storage.putShare({ id, meta, bitfield: bitfield.bytes, complete: true, addedAt: Date.now(), rooms, ...(shared ? { source: shared } : {}) });
    return { id, meta, fromDisk: handle !== undefined };
  } catch (error) {
    stop();
    const name = tempName ?? (await copying.catch(() => undefined));
    if (name) await workers.storage.discardImport(name);
    throw signal?.aborted ? new ImportAbortedError('the import was cancelled') : error;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

/**
 * The imports running now, each shown as a `hashing` share under a temporary id (with its speed
 * and ETA) until it is stored; `cancel(id)` stops one (Remove on a share still hashing). One that
 * makes no progress for IMPORT_STALL_MS fails with a message; a failed one can be tried again
 * (`takeFailed`, for Retry) or forgotten.
 */
export class ShareImports {
  readonly #running = new Map<string, AbortController>();
  /** Failed imports still listed, with what they were given: Retry runs them again. */
  readonly #failed = new Map<string, { input: ShareInput; rooms: string[] }>();

  constructor(
    private readonly workers: { hasher: HasherPort; storage: StoragePort },
    private readonly state: StateWriter,
  ) {}

  /** Imports `input`, to be offered in `rooms` (cancelled with `signal` too); its temporary entry is gone when this settles, unless it failed. */
  async run(input: ShareInput, rooms: string[], signal?: AbortSignal): Promise<ImportedShare> {
    const tempId = `pending-${crypto.randomUUID()}`;
    const abort = new AbortController();
    signal?.addEventListener('abort', () => abort.abort(), { once: true });
    this.#running.set(tempId, abort);
    const meter = new SpeedMeter(SPEED_WINDOW_MS);
    const size = inputSize(input);
    let last = 0;
    let lastProgressAt = Date.now();
    let stalled = false;
    // A stall fails the import at once, even if a hung worker never answers the cancel.
    let onStall!: (error: ImportStalledError) => void;
    const stall = new Promise<never>((_, reject) => (onStall = reject));
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgressAt < IMPORT_STALL_MS) return;
      stalled = true;
      abort.abort();
      onStall(new ImportStalledError(`Hashing made no progress for ${IMPORT_STALL_MS / 1000} s, so it was stopped and nothing was shared`));
    }, 1_000);
    this.state.putShare({ ...blankShare(tempId, inputName(input), size, inputType(input), rooms), status: 'hashing', origin: 'shared' });
    try {
      const importing = importShare(input, rooms, this.workers, (done) => {
        const now = performance.now();
        lastProgressAt = Date.now();
        meter.add(done - last, now);
        last = done;
        const speed = meter.rate(now);
        this.state.patchShare(tempId, { bytesDone: done, speed, etaSeconds: etaSeconds(size - done, speed) });
      }, abort.signal);
      importing.catch(() => undefined); // after a stall it settles (or not) on its own
      const imported = await Promise.race([importing, stall]);
      this.state.removeShare(tempId);
      return imported;
    } catch (error) {
      if (abort.signal.aborted && !stalled) {
        this.state.removeShare(tempId);
        throw error;
      }
      this.#failed.set(tempId, { input, rooms });
      this.state.patchShare(tempId, { status: 'error', error: `${(error as Error).message}. Retry, or remove it.`, speed: 0, etaSeconds: null });
      throw error;
    } finally {
      clearInterval(watchdog);
      this.#running.delete(tempId);
    }
  }

  /** A failed import's input and rooms, taken from the list (its entry is gone): for Retry. */
  takeFailed(tempId: string): { input: ShareInput; rooms: string[] } | undefined {
    const failed = this.#failed.get(tempId);
    if (!failed) return undefined;
    this.#failed.delete(tempId);
    this.state.removeShare(tempId);
    return failed;
  }

  /** Forgets a failed import (Remove). */
  forget(tempId: string): void {
    this.#failed.delete(tempId);
  }

  /** Cancels the import shown as `tempId`; false if there is none. */
  cancel(tempId: string): boolean {
    const running = this.#running.get(tempId);
    running?.abort();
    return running !== undefined;
  }

  cancelAll(): void {
    for (const running of this.#running.values()) running.abort();
  }
}
