/** The contract between the data plane and storage (the storage worker implements it). */
import type { ShareMetadata } from '../protocol/index.js';

/**
 * What the data plane needs of storage: the storage worker's own functions where the plane runs in
 * that worker, or their Comlink proxies where it runs on the page.
 */
export interface ChunkStorage {
  allocate(shareId: string, meta: ShareMetadata): Promise<Uint8Array>;
  /** Stores a verified chunk; `data`'s buffer is the caller's no longer (storage may take it without a copy). */
  writeVerifiedChunk(shareId: string, index: number, data: Uint8Array): Promise<boolean>;
  flushProgress(shareId: string): Promise<void>;
  hashStoredShare(shareId: string): Promise<string>;
  completeShare(shareId: string): Promise<void>;
  /** Deletes the share's bytes, progress and record. */
  removeShare(shareId: string): Promise<void>;
  /**
   * Reads byte ranges of a share, each with `reserve` bytes free at its start (for a frame header).
   * With `into` (one buffer per range, at least reserve + length long) it reads into those and
   * returns them (or, across a worker boundary, their transferred copies), so a caller can reuse
   * its buffers instead of allocating per chunk; without, it returns fresh buffers.
   */
  readChunks(shareId: string, ranges: { offset: number; length: number }[], reserve?: number, into?: Uint8Array[]): Promise<Uint8Array[]>;
}

export class FileHashMismatchError extends Error {
  override name = 'FileHashMismatchError';
}
