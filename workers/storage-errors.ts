/** Errors the storage worker throws; the page tells them apart by `name` (Comlink carries it across; see isError in plane/chunk-storage.ts). */

/** A share or download does not fit the browser's storage quota: refused before anything is written. */
export class StorageQuotaError extends Error {
  override name = 'StorageQuotaError';
}

// The disk ran out mid-way: the data plane's contract owns it (it pauses the download).
export { StorageFullError } from '../plane/chunk-storage.js';

export class StorageNotFoundError extends Error {
  override name = 'StorageNotFoundError';
}

export class ChunkOutOfRangeError extends RangeError {
  override name = 'ChunkOutOfRangeError';
}
