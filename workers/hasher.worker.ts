/**
 * Hashing worker (Comlink): one pass over a file computes every chunk's SHA-256 (WebCrypto, several
 * in flight) and the whole file's SHA-256 (hash-wasm's incremental SHA-256, since WebCrypto has no
 * streaming digest). Reads the File in slices, so memory stays at a few MiB whatever the file size.
 */
import * as Comlink from 'comlink';
import { createSHA256 } from 'hash-wasm';
import { CHUNK_SIZE, toHex } from '../protocol/index.js';

/** Read 4 MiB at a time: 64 chunk digests in flight keeps WebCrypto busy without holding much. */
const READ_SIZE = 64 * CHUNK_SIZE;

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

export const hasher = {
  /** Hashes `file`; `onProgress(bytesDone)` after every slice; `cancel(jobId)` stops it. */
  async hashFile(file: Blob, jobId: number, onProgress?: (bytesDone: number) => void): Promise<FileHashes> {
    const whole = await createSHA256();
    whole.init();
    const chunkHashes: string[] = [];
    try {
      for (let offset = 0; offset < file.size; offset += READ_SIZE) {
        if (cancelled.has(jobId)) throw new HashAbortedError('hashing was cancelled');
        const slice = new Uint8Array(await file.slice(offset, offset + READ_SIZE).arrayBuffer());
        const digests: Promise<string>[] = [];
        for (let at = 0; at < slice.byteLength; at += CHUNK_SIZE) digests.push(sha256(slice.subarray(at, at + CHUNK_SIZE)));
        whole.update(slice);
        chunkHashes.push(...(await Promise.all(digests)));
        onProgress?.(Math.min(offset + READ_SIZE, file.size));
      }
    } finally {
      cancelled.delete(jobId);
    }
    return { chunkHashes, fileHash: whole.digest('hex') };
  },

  cancel(jobId: number): void {
    cancelled.add(jobId);
  },

  sha256(data: ArrayBuffer | Uint8Array): Promise<string> {
    return sha256(data as BufferSource);
  },
};

export type Hasher = typeof hasher;

Comlink.expose(hasher);
