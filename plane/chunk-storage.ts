/** The contract between the data plane and storage (the storage worker implements it). */
import type { ShareMetadata } from '../protocol/index.js';

/**
 * What the data plane needs of storage: the storage worker's own functions where the plane runs in
 * that worker, or their Comlink proxies where it runs on the page.
 */
export interface ChunkStorage {
  /** What is stored of an unfinished download (its metadata and the chunks on disk), to resume it from; undefined if none. */
  partial(shareId: string): Promise<{ meta: ShareMetadata; bitfield: Uint8Array } | undefined>;
  allocate(shareId: string, meta: ShareMetadata): Promise<Uint8Array>;
  /** Stores a verified chunk; `data`'s buffer is the caller's no longer (storage may take it without a copy). StorageFullError: the disk is full. */
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
   * its buffers instead of allocating per chunk; without, it returns fresh buffers. A share read
   * from the user's file throws SourceChangedError or SourcePermissionError when it cannot be.
   */
  readChunks(shareId: string, ranges: { offset: number; length: number }[], reserve?: number, into?: Uint8Array[]): Promise<Uint8Array[]>;
}

/**
 * Errors are told apart by type, also where a worker boundary kept only their name and message
 * (Comlink): each class names itself in `errorName`, which a minified build keeps (it renames
 * classes), and `isError` compares that.
 */
export interface NamedErrorClass {
  readonly errorName: string;
}

/** Whether `error` is one of `type`: an instance, or its copy from across a worker boundary. */
export function isError(error: unknown, type: NamedErrorClass): boolean {
  return typeof error === 'object' && error !== null && (error as Error).name === type.errorName;
}

export class FileHashMismatchError extends Error {
  static readonly errorName = 'FileHashMismatchError';
  override name = FileHashMismatchError.errorName;
}

/** The disk (not a quota) ran out mid-way: nothing is lost, the download can go on once there is room. */
export class StorageFullError extends Error {
  static readonly errorName = 'StorageFullError';
  override name = StorageFullError.errorName;
}

/** readChunks: the file behind a share is gone, unreadable, or not what was hashed. */
export class SourceChangedError extends Error {
  static readonly errorName = 'SourceChangedError';
  override name = SourceChangedError.errorName;
}

/** readChunks: a share's file can no longer be read without the user's permission (after a browser restart). */
export class SourcePermissionError extends Error {
  static readonly errorName = 'SourcePermissionError';
  override name = SourcePermissionError.errorName;
}
