/** Errors the storage worker throws; the page tells them apart by `name` (Comlink carries it across). */

/** A share or download does not fit the browser's storage quota: refused before anything is written. */
export class StorageQuotaError extends Error {
  override name = 'StorageQuotaError';
}

/** The disk (not the quota) ran out mid-way: nothing is lost, the download can go on once there is room. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
}

export class StorageNotFoundError extends Error {
  override name = 'StorageNotFoundError';
}

export class ChunkOutOfRangeError extends RangeError {
  override name = 'ChunkOutOfRangeError';
}
