/**
 * Checks a share seeded from the user's file (a handle kept in its record) before it is seeded
 * again: the permission to read it, and whether the file still has the size and modification time
 * it was hashed at. A file that changed is hashed again: if it still makes the same share id (it
 * was only touched) the share goes on with the new modification time; otherwise it is not seeded
 * and the user is told why.
 */
import { computeShareId, type ShareMetadata } from '../../protocol/index.js';
import type { ShareSource, StoredShare } from '../../workers/share-records.js';
import type { HasherPort } from './engine-components.js';

export type SourceCheck =
  | { kind: 'ok'; source: ShareSource; rehashed: boolean }
  | { kind: 'needs-permission'; message: string }
  | { kind: 'failed'; message: string };

let checkJobs = 1_000_000;

export function permissionMessage(name: string): string {
  return `Shoal needs your permission to read "${name}" from disk again (the browser asks after a restart). Press Allow reading to seed it.`;
}

/** The share the file now makes, given its hashes: its metadata with the file's new hashes. */
function rehashedMeta(meta: ShareMetadata, size: number, hashes: { fileHash: string; chunkHashes: string[] }): ShareMetadata {
  return { ...meta, size, fileHash: hashes.fileHash, chunkHashes: hashes.chunkHashes };
}

/** `onRehash` is called when the file must be hashed again (it takes a while for a big file). */
export async function checkSource(record: StoredShare & { source: ShareSource }, hasher: HasherPort, onRehash?: () => void): Promise<SourceCheck> {
  const { handle } = record.source;
  const name = record.meta.name;
  const permission = (await handle.queryPermission?.({ mode: 'read' }).catch(() => 'prompt' as const)) ?? 'granted';
  if (permission === 'prompt') return { kind: 'needs-permission', message: permissionMessage(name) };
  if (permission === 'denied') return { kind: 'failed', message: `Reading "${name}" from disk was refused, so it is not seeded. Share it again to seed it.` };
  let file: File;
  try {
    file = await handle.getFile();
  } catch (error) {
    const why = (error as Error).name;
    if (why === 'NotAllowedError') return { kind: 'needs-permission', message: permissionMessage(name) };
    return { kind: 'failed', message: `"${name}" is no longer where it was shared from (moved, renamed or deleted: ${why}), so it is not seeded.` };
  }
  if (file.size === record.source.size && file.lastModified === record.source.lastModified) return { kind: 'ok', source: record.source, rehashed: false };
  onRehash?.();
  let hashes;
  try {
    hashes = await hasher.hashFile(file, checkJobs++);
  } catch (error) {
    return { kind: 'failed', message: `"${name}" changed on disk and could not be read again (${(error as Error).message}), so it is not seeded.` };
  }
  if ((await computeShareId(rehashedMeta(record.meta, file.size, hashes))) !== record.id) {
    return { kind: 'failed', message: `"${name}" changed on disk since it was shared: it no longer matches this share, so it is not seeded. Share it again to seed the new version.` };
  }
  return { kind: 'ok', source: { ...record.source, size: file.size, lastModified: file.lastModified }, rehashed: true };
}
