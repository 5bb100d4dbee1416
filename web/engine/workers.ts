/** Starts the hashing and storage workers and wraps them with Comlink. */
import * as Comlink from 'comlink';
import type { Hasher } from '../../workers/hasher.worker.js';
import type { StorageWorker } from '../../workers/storage.worker.js';

export type HasherApi = Comlink.Remote<Hasher>;
export type StorageApi = Comlink.Remote<StorageWorker>;

export function startWorkers(base = '/workers/'): { hasher: HasherApi; storage: StorageApi } {
  return {
    hasher: Comlink.wrap<Hasher>(new Worker(`${base}hasher.js`, { type: 'module', name: 'shoal-hasher' })),
    storage: Comlink.wrap<StorageWorker>(new Worker(`${base}storage.js`, { type: 'module', name: 'shoal-storage' })),
  };
}
