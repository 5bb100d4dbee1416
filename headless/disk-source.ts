/**
 * A share's files on disk seen as the browser sees a shared file's handle (workers/share-records.ts
 * ShareSource): `getFile()` gives the bytes as they are now, with the size and modification time
 * the engine compares before it seeds (source-check.ts). A folder is its files concatenated, its
 * modification time the latest of theirs. The File made here remembers its paths, so the hasher
 * reads them with `fs` (a file-backed Blob cannot be handed to another thread).
 */
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ShareMetadata } from '../protocol/index.js';
import type { ShareSource } from '../workers/share-records.js';
import { shareFilesUnder } from './span-file.js';

export interface DiskPath {
  at: string;
  size: number;
}

const pathsOfFiles = new WeakMap<Blob, DiskPath[]>();

/** The files on disk a File made here reads, in order; undefined for any other Blob. */
export function diskPathsOf(blob: Blob): DiskPath[] | undefined {
  return pathsOfFiles.get(blob);
}

/** The files (in share order) as one File: size, modification time, and bytes as they are now. */
export async function diskFile(name: string, paths: string[]): Promise<File> {
  const stats = await Promise.all(paths.map((path) => stat(path)));
  const blobs = await Promise.all(paths.map((path) => openAsBlob(path)));
  const file = new File(blobs, name, { lastModified: Math.max(0, ...stats.map((s) => Math.trunc(s.mtimeMs))) });
  pathsOfFiles.set(file, paths.map((at, i) => ({ at, size: stats[i]!.size })));
  return file;
}

/** The handle a share read from `root` keeps in its record (root: the file, or the folder holding the share's files). */
export class DiskHandle {
  readonly kind = 'file';
  readonly name: string;

  constructor(
    readonly root: string,
    private readonly meta: Pick<ShareMetadata, 'name' | 'size' | 'files'>,
  ) {
    this.name = basename(root);
  }

  getFile(): Promise<File> {
    return diskFile(this.meta.name, shareFilesUnder(this.root, this.meta).map((f) => f.at));
  }
}

/** A ShareSource for a share on disk at `root`, as it is now. */
export async function diskSource(root: string, meta: Pick<ShareMetadata, 'name' | 'size' | 'files'>): Promise<ShareSource> {
  const handle = new DiskHandle(root, meta);
  const file = await handle.getFile();
  return { kind: 'handle', handle: handle as unknown as FileSystemFileHandle, size: file.size, lastModified: file.lastModified };
}
