/**
 * Turns a user's file or folder into a stored, seedable share: the hashing worker computes the chunk
 * and whole-share hashes while the storage worker copies the bytes into OPFS (both stream; neither
 * holds the file; a folder is its files concatenated), then the share gets its id and its record.
 */
import { Bitfield, chunkCount, CHUNK_SIZE, computeShareId, encodeMetadata, PROTOCOL_VERSION, type ShareMetadata } from '../../protocol/index.js';
import type { HasherApi, StorageApi } from './workers.js';
import * as Comlink from 'comlink';
import { folderFiles, isFolder, safeName, sourceBlob, type ShareSource } from './share-source.js';

export interface ImportedShare {
  id: string;
  meta: ShareMetadata;
  encodedMetadata: Uint8Array;
}

let jobCounter = 0;

export async function importShare(source: ShareSource, workers: { hasher: HasherApi; storage: StorageApi }, onProgress: (bytesDone: number) => void): Promise<ImportedShare> {
  const jobId = ++jobCounter;
  const folder = isFolder(source) ? folderFiles(source) : undefined;
  const file = folder ? new Blob(folder.ordered.map((f) => f.file)) : sourceBlob(source);
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
      name: safeName(source.name),
      type: isFolder(source) ? '' : source.type.slice(0, 255),
      size: file.size,
      chunkSize: CHUNK_SIZE,
      fileHash: hashes.fileHash,
      chunkHashes: hashes.chunkHashes,
      ...(folder ? { files: folder.files } : {}),
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
