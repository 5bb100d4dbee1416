/**
 * The on-disk layout, shared by the storage worker (writes) and the service worker (reads).
 * OPFS: /shares/<shareId>.bin holds the share's bytes, /shares/<shareId>.bits a download's bitfield
 * until it completes; imports in progress use /shares/import-<n>.bin; files from the OS share sheet
 * wait in /inbox/<batch>/<name> until the page has shared them (sw/share-target.ts, web/pwa/share-inbox.ts).
 * (share bytes where OPFS sync access is missing: IndexedDB database "shoal-bytes", indexeddb-store.ts)
 * IndexedDB: database "shoal" holds the share records, laid out in share-records.ts.
 */
export const SHARES_DIR = 'shares';
export const DB_NAME = 'shoal';
export const INBOX_DIR = 'inbox';

export function shareFileName(shareId: string): string {
  return `${shareId}.bin`;
}

/** A download's bitfield, one bit per chunk on disk (see storage.worker.ts). */
export function bitsFileName(shareId: string): string {
  return `${shareId}.bits`;
}

export async function sharesDirectory(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(SHARES_DIR, { create: true });
}
