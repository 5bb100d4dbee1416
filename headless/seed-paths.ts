/**
 * Turns files and folders on disk into shares to seed where they lie: hashed once with Node's
 * crypto (a folder is its files concatenated in path order, as the app makes it, so the same folder
 * gives the same share id in both), recorded with their size and modification time, never copied.
 * A path recorded before with the same size and modification time is not hashed again.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { Bitfield, chunkCount, CHUNK_SIZE, computeShareId, MAX_SHARE_FILES, newPrivateSecret, PROTOCOL_VERSION, type ShareFile, type ShareMetadata } from '../protocol/index.js';
import { safeName } from '../web/engine/share-input.js';
import { withRoom, type RoomKey } from '../web/engine/share-rooms.js';
import { diskSource, type DiskPath } from './disk-source.js';
import { hashDiskFiles } from './node-hasher.js';
import type { NodeStorage } from './node-storage.js';

export class SeedPathError extends Error {
  override name = 'SeedPathError';
}

export interface SeedPlan {
  root: string;
  name: string;
  size: number;
  /** The files in share order; `files` for the metadata of a folder (undefined for one file). */
  paths: DiskPath[];
  files: ShareFile[] | undefined;
}

/** What `path` shares: one file, or a folder's regular files (symbolic links are not followed). */
export async function planSeed(path: string): Promise<SeedPlan> {
  let root: string;
  try {
    root = await realpath(path);
  } catch (error) {
    throw new SeedPathError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message}`);
  }
  const info = await stat(root);
  const name = safeName(basename(root));
  if (info.isFile()) return { root, name, size: info.size, paths: [{ at: root, size: info.size }], files: undefined };
  if (!info.isDirectory()) throw new SeedPathError(`${path} is neither a file nor a folder`);
  const found: { path: string; at: string; size: number }[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const at = join(dir, entry.name);
      if (entry.isDirectory()) await walk(at);
      else if (entry.isFile()) {
        found.push({ path: relative(root, at).split(sep).map(safeName).join('/'), at, size: (await stat(at)).size });
        if (found.length > MAX_SHARE_FILES) throw new SeedPathError(`${path} has more than ${MAX_SHARE_FILES} files; a share holds at most ${MAX_SHARE_FILES}`);
      }
    }
  };
  await walk(root);
  if (found.length === 0) throw new SeedPathError(`${path} has no files to share`);
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root, name, size: found.reduce((n, f) => n + f.size, 0), paths: found.map(({ at, size }) => ({ at, size })), files: found.map(({ path, size }) => ({ path, size })) };
}

/** Hashes `plan` (unless recorded unchanged) and records it for `room` (private: see spec §11); returns its share id and metadata. */
export async function recordSeed(plan: SeedPlan, storage: NodeStorage, room: RoomKey, options: { private?: boolean } = {}, onProgress?: (bytesDone: number) => void): Promise<{ id: string; meta: ShareMetadata; hashed: boolean }> {
  const known = await storage.findByRoot(plan.root);
  if (known?.source && known.meta.size === plan.size) {
    const now = await diskSource(plan.root, known.meta).catch(() => undefined);
    if (now && now.size === known.source.size && now.lastModified === known.source.lastModified) {
      await storage.setShareRooms(known.id, withRoom(known.rooms ?? [], room), known.secret ?? (options.private ? newPrivateSecret() : undefined));
      return { id: known.id, meta: known.meta, hashed: false };
    }
  }
  const hashes = await hashDiskFiles(plan.paths, onProgress);
  const meta: ShareMetadata = {
    version: PROTOCOL_VERSION,
    name: plan.name,
    type: '',
    size: plan.size,
    chunkSize: CHUNK_SIZE,
    fileHash: hashes.fileHash,
    chunkHashes: hashes.chunkHashes,
    ...(plan.files ? { files: plan.files } : {}),
  };
  const id = await computeShareId(meta);
  const before = await storage.getShare(id);
  await storage.putShare({
    id,
    meta,
    bitfield: Bitfield.full(chunkCount(meta.size)).bytes,
    complete: true,
    addedAt: before?.addedAt ?? Date.now(),
    rooms: withRoom(before?.rooms ?? [], room),
    // Private (spec §11) with a new secret, unless it was private already; a public share stays public.
    ...(before?.secret || (options.private && !before) ? { secret: before?.secret ?? newPrivateSecret() } : {}),
    source: await diskSource(plan.root, meta),
  });
  return { id, meta, hashed: true };
}
