/** The contract between the data plane and storage (the storage worker implements it). */
import type { ShareMetadata } from '../protocol/index.js';

/**
 * What the data plane needs of storage: the storage worker's own functions where the plane runs in
 * that worker, or their Comlink proxies where it runs on the page.
 */
export interface ChunkStorage {
  allocate(shareId: string, meta: ShareMetadata): Promise<Uint8Array>;
  writeVerifiedChunk(shareId: string, index: number, data: Uint8Array): Promise<boolean>;
  flushProgress(shareId: string): Promise<void>;
  hashStoredShare(shareId: string): Promise<string>;
  completeShare(shareId: string): Promise<void>;
  /** Deletes the share's bytes, progress and record. */
  removeShare(shareId: string): Promise<void>;
  readChunks(shareId: string, ranges: { offset: number; length: number }[], reserve?: number): Promise<Uint8Array[]>;
}

export class FileHashMismatchError extends Error {
  override name = 'FileHashMismatchError';
}
