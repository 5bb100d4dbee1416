/**
 * Turns a user's File into a stored, seedable share: the hashing worker computes the chunk and file
 * hashes while the storage worker copies the bytes into OPFS (both stream; neither holds the file),
 * then the share gets its id and its record.
 */
import { Bitfield, chunkCount, CHUNK_SIZE, computeShareId, encodeMetadata, PROTOCOL_VERSION, type ShareMetadata } from '../../protocol/index.js';
import type { HasherApi, StorageApi } from './workers.js';
import * as Comlink from 'comlink';

export interface ImportedShare {
  id: string;
  meta: ShareMetadata;
  encodedMetadata: Uint8Array;
}

let jobCounter = 0;

/** Characters browsers allow in a file name but our metadata forbids are replaced. */
export function safeName(name: string): string {
  const cleaned = name.replace(/[\u0000-\u001f/\\]/g, '_').slice(0, 255);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'file' : cleaned;
}

export async function importShare(file: File, workers: { hasher: HasherApi; storage: StorageApi }, onProgress: (bytesDone: number) => void): Promise<ImportedShare> {
  const jobId = ++jobCounter;
  let hashed = 0;
  let copied = 0;
  const report = () => onProgress(Math.min(hashed, copied));
  const copying = workers.storage.importFile(file, Comlink.proxy((n: number) => ((copied = n), report())));
  let tempName: string | undefined;
  try {
    const [hashes, temp] = await Promise.all([
      workers.hasher.hashFile(file, jobId, Comlink.proxy((n: number) => ((hashed = n), report()))),
      copying.then((name) => (tempName = name)),
    ]);
    const meta: ShareMetadata = {
      version: PROTOCOL_VERSION,
      name: safeName(file.name),
      type: file.type.slice(0, 255),
      size: file.size,
      chunkSize: CHUNK_SIZE,
      fileHash: hashes.fileHash,
      chunkHashes: hashes.chunkHashes,
    };
    const id = await computeShareId(meta);
    await workers.storage.commitImport(temp, id);
    const bitfield = Bitfield.full(chunkCount(meta.size));
    await workers.storage.putShare({ id, meta, bitfield: bitfield.bytes, complete: true, addedAt: Date.now() });
    return { id, meta, encodedMetadata: encodeMetadata(meta) };
  } catch (error) {
    void workers.hasher.cancel(jobId);
    const name = tempName ?? (await copying.catch(() => undefined));
    if (name) await workers.storage.discardImport(name);
    throw error;
  }
}
