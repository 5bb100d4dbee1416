/** Starts the hashing and storage workers and wraps them with Comlink. */
import * as Comlink from 'comlink';
import type { FileHashes, Hasher } from '../../workers/hasher.worker.js';
import type { StorageWorker } from '../../workers/storage.worker.js';
import type { PlaneOpener } from './engine-components.js';
import { openDataPlane } from './plane-host.js';

/** What the page asks of the hashing worker (a `Comlink.proxy` for `onProgress`). */
export interface HasherApi {
  hashFile(file: Blob, jobId: number, onProgress?: (bytesDone: number) => void): Promise<FileHashes>;
  cancel(jobId: number): Promise<void>;
  sha256(data: ArrayBuffer | Uint8Array): Promise<string>;
}
export type StorageApi = Comlink.Remote<StorageWorker>;

/** How long a new hashing worker may take to answer before it is started again. */
const HASHER_START_TIMEOUT_MS = 5_000;
/** Starts tried before hashing fails with a message. */
const HASHER_STARTS = 3;

export class HasherStartError extends Error {
  override name = 'HasherStartError';
}

/**
 * The hashing worker and its whole-file worker, both started here and joined by a MessageChannel: in
 * Firefox ESR 153 the hashing worker starting the whole-file worker itself sometimes hung it for good
 * (a share sat at "hashing" with 0 bytes; 1 in 24–48 shares after a page load here, none in 60 with
 * the whole-file hash on the hashing worker's own thread). A hashing worker that does not answer a
 * ping within HASHER_START_TIMEOUT_MS is started again.
 */
class RestartingHasher implements HasherApi {
  #workers: Worker[] = [];
  #remote!: Comlink.Remote<Hasher>;
  readonly #ready: Promise<void>;

  constructor(private readonly base: string) {
    this.#ready = this.#start();
    this.#ready.catch(() => undefined);
  }

  async #start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const hasher = new Worker(`${this.base}hasher.js`, { type: 'module', name: 'shoal-hasher' });
      const whole = new Worker(`${this.base}whole-hash.js`, { type: 'module', name: 'shoal-whole-hash' });
      this.#workers = [hasher, whole];
      const { port1, port2 } = new MessageChannel();
      whole.postMessage({ port: port1 }, [port1]);
      this.#remote = Comlink.wrap<Hasher>(hasher);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const silent = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), HASHER_START_TIMEOUT_MS)));
      const answered = await Promise.race([this.#remote.connectWholeHash(Comlink.transfer(port2, [port2])).then(() => true, () => false), silent]);
      clearTimeout(timer);
      if (answered) return;
      for (const worker of this.#workers) worker.terminate();
      if (attempt === HASHER_STARTS) throw new HasherStartError(`the hashing worker did not start (${HASHER_STARTS} tries); reload the page and try again`);
      console.warn(`shoal: the hashing worker did not answer within ${HASHER_START_TIMEOUT_MS / 1000} s; starting it again`);
    }
  }

  async hashFile(file: Blob, jobId: number, onProgress?: (bytesDone: number) => void): Promise<FileHashes> {
    await this.#ready;
    return this.#remote.hashFile(file, jobId, onProgress);
  }

  async cancel(jobId: number): Promise<void> {
    await this.#ready.catch(() => undefined);
    return this.#remote.cancel(jobId);
  }

  async sha256(data: ArrayBuffer | Uint8Array): Promise<string> {
    await this.#ready;
    return this.#remote.sha256(data);
  }
}

/** The browser's engine components: the two workers, and the data plane started beside storage (plane-host.ts). */
export function startWorkers(base = '/workers/'): { hasher: HasherApi; storage: StorageApi; openPlane: PlaneOpener } {
  const storage = Comlink.wrap<StorageWorker>(new Worker(`${base}storage.js`, { type: 'module', name: 'shoal-storage' }));
  return { hasher: new RestartingHasher(base), storage, openPlane: (events, prefer) => openDataPlane(storage, events, prefer) };
}
