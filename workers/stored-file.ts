/** Reads a stored file for the service worker, from whichever store holds it. */
import { fileBlocks, openBytesDb } from './indexeddb-store.js';
import { shareFileName, sharesDirectory } from './storage-layout.js';
import type { StoredShare } from './share-records.js';
import { sourceSnapshot } from './source-file.js';

/**
 * A stored file as a Blob, read lazily as it is consumed (for the service worker): the OPFS file,
 * or the IndexedDB blocks joined (Blob parts are references, so nothing is copied or held).
 */
export async function storedFileBlob(name: string): Promise<Blob | undefined> {
  if (typeof navigator.storage?.getDirectory === 'function') {
    try {
      return await (await (await sharesDirectory()).getFileHandle(name)).getFile();
    } catch {
      // not in OPFS: try IndexedDB
    }
  }
  const db = await openBytesDb();
  try {
    const file = await fileBlocks(db, name);
    return file && new Blob(file.blocks);
  } finally {
    db.close();
  }
}

/**
 * A complete share's bytes as a Blob: the user's own file for a share read from disk (throws
 * SourcePermissionError or SourceChangedError when it cannot be read as it was hashed), else the
 * stored copy (undefined when it is missing).
 */
export async function shareBlob(record: StoredShare): Promise<Blob | undefined> {
  if (record.source) return sourceSnapshot(record.source, record.meta.name);
  return storedFileBlob(shareFileName(record.id)).catch(() => undefined);
}
