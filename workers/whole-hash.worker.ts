/**
 * The whole-file SHA-256 on its own thread: hash-wasm's incremental SHA-256 is the slowest step of
 * sharing, so it runs beside the reading and the per-chunk digests rather than after them. Batches
 * arrive transferred, in file order. It serves the hashing worker over a MessagePort, the first
 * message it gets: the page starts both workers and joins them (a worker started from inside the
 * hashing worker sometimes hung that worker for good in Firefox ESR 153), or the hashing worker
 * starts it itself where nobody did.
 */
import * as Comlink from 'comlink';
import { createSHA256, type IHasher } from 'hash-wasm';

let state: IHasher | undefined;

export const wholeHash = {
  async start(): Promise<void> {
    state = await createSHA256();
    state.init();
  },
  update(batch: Uint8Array): void {
    if (!state) throw new Error('whole-file hash not started');
    state.update(batch);
  },
  finish(): string {
    if (!state) throw new Error('whole-file hash not started');
    const hex = state.digest('hex');
    state = undefined;
    return hex;
  },
};

export type WholeHash = typeof wholeHash;

self.addEventListener(
  'message',
  (event: MessageEvent<{ port?: MessagePort }>) => {
    if (event.data?.port) Comlink.expose(wholeHash, event.data.port);
  },
  { once: true },
);
