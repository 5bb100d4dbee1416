/**
 * The inbox: files shared to the app from outside (the share target's POST) wait in OPFS under
 * /inbox/<batch>/ until the user says Share or Discard; nothing there is hashed or announced before.
 * A batch is complete once its manifest (batch.json) is written, last; a batch without one is being
 * written by the service worker, or was abandoned mid-body, and goes once it is old. Shared by the
 * service worker (writes batches) and the page (lists, shares, discards).
 */
import { INBOX_DIR } from './storage-layout.js';

export const MANIFEST_NAME = 'batch.json';

/** Files one POST may bring: a photo selection, not a way to fill the user's storage with entries. */
export const MAX_SHARED_FILES = 100;

/**
 * Bytes the inbox may hold in all (every batch waiting, the one arriving included): shared files are
 * copied twice until the user decides (inbox, then the share's own copy). Bigger files are shared
 * from the app's own picker, by handle, without a copy.
 */
export const MAX_INBOX_BYTES = 2 * 1024 * 1024 * 1024;

/** Why the share target refused a POST: the page shows a fixed sentence for each (a URL cannot make it say anything else). */
export type InboxRefusal = 'too-many' | 'too-large' | 'unreadable' | 'no-room';

export const INBOX_REFUSALS: Record<InboxRefusal, string> = {
  'too-many': `Nothing was taken from what was shared with Shoal: it held more than ${MAX_SHARED_FILES} files. Share a folder from the app instead.`,
  'too-large': `Nothing was taken from what was shared with Shoal: files waiting to be shared may take ${MAX_INBOX_BYTES / 2 ** 30} GiB in all. Share big files with the app's own Share files button (no copy is made).`,
  unreadable: 'Nothing was taken from what was shared with Shoal: the shared data could not be read.',
  'no-room': 'Nothing was taken from what was shared with Shoal: there is not enough browser storage for it.',
};

/** A batch without a manifest this old was abandoned (a body cut off, a service worker stopped). */
export const ABANDONED_AFTER_MS = 10 * 60_000;

export interface InboxFile {
  /** Its name in the batch folder (made safe, unique in the batch). */
  name: string;
  size: number;
  type: string;
}

export interface InboxBatch {
  id: string;
  files: InboxFile[];
  bytes: number;
  receivedAt: number;
}

type IterableDirectory = FileSystemDirectoryHandle & { entries(): AsyncIterableIterator<[string, FileSystemHandle]> };

/** A batch's folder name: when it arrived (for the abandonment check) and a random part. */
export function newBatchId(now = Date.now()): string {
  return `${now}-${crypto.randomUUID()}`;
}

const receivedAtOf = (id: string): number => Number(id.split('-')[0]) || 0;

export async function inboxDirectory(root: FileSystemDirectoryHandle, create = false): Promise<IterableDirectory | undefined> {
  try {
    return (await root.getDirectoryHandle(INBOX_DIR, { create })) as IterableDirectory;
  } catch {
    return undefined; // nothing was ever shared to the app
  }
}

/** Complete batches, oldest first; abandoned ones are deleted on the way. */
export async function listInbox(root: FileSystemDirectoryHandle, now = Date.now()): Promise<InboxBatch[]> {
  const inbox = await inboxDirectory(root);
  if (!inbox) return [];
  const batches: InboxBatch[] = [];
  for await (const [id, handle] of inbox.entries()) {
    if (handle.kind !== 'directory') {
      await inbox.removeEntry(id).catch(() => undefined);
      continue;
    }
    const manifest = await readManifest(handle as FileSystemDirectoryHandle, id);
    if (manifest) batches.push(manifest);
    else if (now - receivedAtOf(id) > ABANDONED_AFTER_MS) await inbox.removeEntry(id, { recursive: true }).catch(() => undefined);
  }
  return batches.sort((a, b) => a.receivedAt - b.receivedAt);
}

async function readManifest(batch: FileSystemDirectoryHandle, id: string): Promise<InboxBatch | undefined> {
  try {
    const parsed = JSON.parse(await (await (await batch.getFileHandle(MANIFEST_NAME)).getFile()).text()) as { files?: unknown };
    if (!Array.isArray(parsed.files)) return undefined;
    const files = parsed.files.filter((f): f is InboxFile => typeof f?.name === 'string' && typeof f.size === 'number' && typeof f.type === 'string');
    return { id, files, bytes: files.reduce((sum, f) => sum + f.size, 0), receivedAt: receivedAtOf(id) };
  } catch {
    return undefined;
  }
}

export async function writeManifest(batch: FileSystemDirectoryHandle, files: InboxFile[]): Promise<void> {
  const writable = await (await batch.getFileHandle(MANIFEST_NAME, { create: true })).createWritable();
  await writable.write(JSON.stringify({ files }));
  await writable.close();
}

/** Bytes the inbox holds now, complete batches and ones being written alike. */
export async function inboxBytes(root: FileSystemDirectoryHandle): Promise<number> {
  const inbox = await inboxDirectory(root);
  if (!inbox) return 0;
  let bytes = 0;
  for await (const [, handle] of inbox.entries()) {
    if (handle.kind !== 'directory') continue;
    for await (const [, file] of (handle as IterableDirectory).entries()) {
      if (file.kind === 'file') bytes += (await (file as FileSystemFileHandle).getFile().catch(() => undefined))?.size ?? 0;
    }
  }
  return bytes;
}

/** The files of a complete batch, as Files read from OPFS. */
export async function batchFiles(root: FileSystemDirectoryHandle, batch: InboxBatch): Promise<File[]> {
  const inbox = await inboxDirectory(root);
  if (!inbox) return [];
  const folder = await inbox.getDirectoryHandle(batch.id);
  return Promise.all(batch.files.map(async (f) => (await folder.getFileHandle(f.name)).getFile()));
}

/** Deletes a batch and its files (harmless if it is gone already). */
export async function removeBatch(root: FileSystemDirectoryHandle, id: string): Promise<void> {
  await (await inboxDirectory(root))?.removeEntry(id, { recursive: true }).catch(() => undefined);
}
