/** Chunk arithmetic: how a file of `size` bytes splits into fixed-size chunks. */
import { CHUNK_SIZE } from './constants.js';

export class ChunkIndexError extends RangeError {
  override name = 'ChunkIndexError';
}

/** Number of chunks of a file; an empty file has zero chunks. */
export function chunkCount(size: number, chunkSize = CHUNK_SIZE): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad file size ${size}`);
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0) throw new RangeError(`bad chunk size ${chunkSize}`);
  return Math.ceil(size / chunkSize);
}

/** Byte range [start, end) of chunk `index`. */
export function chunkRange(index: number, size: number, chunkSize = CHUNK_SIZE): { start: number; end: number } {
  const count = chunkCount(size, chunkSize);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new ChunkIndexError(`chunk ${index} is outside 0..${count - 1}`);
  }
  const start = index * chunkSize;
  return { start, end: Math.min(start + chunkSize, size) };
}

/** Length in bytes of chunk `index`. */
export function chunkLength(index: number, size: number, chunkSize = CHUNK_SIZE): number {
  const { start, end } = chunkRange(index, size, chunkSize);
  return end - start;
}
