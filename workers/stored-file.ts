/** Reads a stored file for the service worker, from whichever store holds it. */
import { fileBlocks, openBytesDb } from './indexeddb-store.js';
import { sharesDirectory } from './storage-layout.js';

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
