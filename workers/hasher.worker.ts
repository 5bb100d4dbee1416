/**
 * Hashing worker (Comlink): one pass over a file computes every chunk's SHA-256 (WebCrypto, which
 * runs off this thread, many in flight) and the whole file's SHA-256 (hash-wasm's incremental SHA-256
 * in a second worker, since WebCrypto has no streaming digest and hash-wasm is the slowest step). The
 * file is read as a stream — in Chromium about twice as fast as slicing — into 4 MiB batches that are
 * transferred to the whole-file worker; at most a few batches exist at once.
 */
import * as Comlink from 'comlink';
import type { WholeHash } from './whole-hash.worker.js';
import { CHUNK_SIZE, toHex } from '../protocol/index.js';
import { streamInBatches } from './stream-batches.js';

/** Chunks per batch: 64 digests in flight keep WebCrypto busy without holding much. */
const BATCH_CHUNKS = 64;
const BATCH_BYTES = BATCH_CHUNKS * CHUNK_SIZE;

export interface FileHashes {
  chunkHashes: string[];
  fileHash: string;
}

export class HashAbortedError extends Error {
  override name = 'HashAbortedError';
}

async function sha256(data: BufferSource): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', data));
}

const cancelled = new Set<number>();

let wholeHashUrl: string | URL = new URL('./whole-hash.js', import.meta.url);
/** The whole-file worker: joined by the page (connectWholeHash), or started here on first use. */
let wholeWorker: { remote: Comlink.Remote<WholeHash>; failed: Promise<never>; worker?: Worker } | undefined;

/** The whole-file worker; `failed` rejects if one started here cannot load or run. */
function wholeHashWorker(): { remote: Comlink.Remote<WholeHash>; failed: Promise<never>; worker?: Worker } {
  if (!wholeWorker) {
    const worker = new Worker(wholeHashUrl, { type: 'module', name: 'shoal-whole-hash' });
    const failed = new Promise<never>((_, reject) =>
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        wholeWorker = undefined;
        reject(new Error(`the whole-file hashing worker failed: ${event.message || 'it could not be loaded'}`));
      }),
    );
    failed.catch(() => undefined);
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ port: port1 }, [port1]);
    wholeWorker = { remote: Comlink.wrap<WholeHash>(port2), failed, worker };
  }
  return wholeWorker;
}

/** How long the whole-file worker may take to start before hashing fails (a worker that never loads must not hang a share). */
const WORKER_START_TIMEOUT_MS = 15_000;

/** `work`, or a rejection with `message` once `ms` pass without an answer. */
function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** One file at a time goes through the whole-file worker. */
let wholeQueue: Promise<unknown> = Promise.resolve();

export const hasher = {
  /** Hashes `file`; `onProgress(bytesDone)` after every batch; `cancel(jobId)` stops it. */
  async hashFile(file: Blob, jobId: number, onProgress?: (bytesDone: number) => void): Promise<FileHashes> {
    const turn = wholeQueue.then(() => hashOne(file, jobId, onProgress));
    wholeQueue = turn.catch(() => undefined);
    return turn;
  },

  /** Where the whole-file worker's script is, when it is not next to this one (tests run sources). */
  useWholeHashWorker(url: string): void {
    wholeHashUrl = url;
  },

  /** The whole-file worker the page started, reached over `port` (no worker is started from here then). */
  connectWholeHash(port: MessagePort): void {
    wholeWorker = { remote: Comlink.wrap<WholeHash>(port), failed: new Promise<never>(() => undefined) };
  },

  cancel(jobId: number): void {
    cancelled.add(jobId);
  },

  sha256(data: ArrayBuffer | Uint8Array): Promise<string> {
    return sha256(data as BufferSource);
  },
};

async function hashOne(file: Blob, jobId: number, onProgress?: (bytesDone: number) => void): Promise<FileHashes> {
  const { remote: whole, failed } = wholeHashWorker();
  const orFail = <T>(work: Promise<T>) => Promise.race([work, failed]);
  try {
    await orFail(withDeadline(whole.start(), WORKER_START_TIMEOUT_MS, `the whole-file hashing worker did not start within ${WORKER_START_TIMEOUT_MS / 1000} s`));
  } catch (error) {
    wholeWorker?.worker?.terminate();
    wholeWorker = undefined; // the next try starts a new one
    throw error;
  }
  const pending: Promise<string>[] = [];
  let wholeUpdates: Promise<void>[] = [];
  const chunkHashes: string[] = [];
  let done = 0;
  // digest() copies its input when called; the batch itself is then transferred to the whole-file worker.
  const onBatch = async (batch: Uint8Array<ArrayBuffer>) => {
    done += batch.byteLength; // before the transfer empties it
    for (let at = 0; at < batch.byteLength; at += CHUNK_SIZE) pending.push(sha256(batch.subarray(at, at + CHUNK_SIZE)));
    wholeUpdates.push(whole.update(Comlink.transfer(batch, [batch.buffer])));
    // Backpressure: wait for all but the newest batch, so at most two are in flight.
    if (wholeUpdates.length > 1) {
      await orFail(Promise.all(wholeUpdates.slice(0, -1)));
      wholeUpdates = wholeUpdates.slice(-1);
      chunkHashes.push(...(await Promise.all(pending.splice(0, pending.length - BATCH_CHUNKS))));
    }
    onProgress?.(done);
  };
  try {
    await streamInBatches(file, BATCH_BYTES, onBatch, {
      reuse: false,
      beforeRead: () => {
        if (cancelled.has(jobId)) throw new HashAbortedError('hashing was cancelled');
      },
    });
    chunkHashes.push(...(await Promise.all(pending)));
    await orFail(Promise.all(wholeUpdates));
  } finally {
    cancelled.delete(jobId);
  }
  const fileHash = await orFail(whole.finish());
  if (done !== file.size) throw new Error(`read ${done} bytes of a ${file.size}-byte file`);
  return { chunkHashes, fileHash };
}

export type Hasher = typeof hasher;

Comlink.expose(hasher);
