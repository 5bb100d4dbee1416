/**
 * The headless peer's share records: one JSON file per share in the state directory's `shares/`
 * (metadata, rooms, a private share's secret, where the bytes are and the size and modification
 * time they were hashed at), written whole and renamed into place, and beside it a running
 * download's bitfield sidecar (`<id>.bits`).
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromHex, type ShareMetadata } from '../protocol/index.js';
import type { StoredShare } from '../workers/share-records.js';
import { StorageNotFoundError } from '../workers/storage-errors.js';
import { DiskHandle } from './disk-source.js';

const SHARE_ID = /^[0-9a-f]{64}$/;

/** A share's record on disk. */
export interface ShareFileRecord {
  id: string;
  meta?: ShareMetadata;
  addedAt: number;
  complete: boolean;
  /** The bitfield when last recorded (a running download's live one is its sidecar), hex. */
  bits: string;
  rooms?: string[];
  secret?: string;
  /** Where the share's bytes are: a file, or the folder of a folder share. */
  root?: string;
  /** For a share read where it lies: the size and modification time it was hashed at. */
  stamp?: { size: number; lastModified: number };
}

export class RecordFiles {
  constructor(private readonly dir: string) {}

  path = (shareId: string) => join(this.dir, `${shareId}.json`);
  bitsPath = (shareId: string) => join(this.dir, `${shareId}.bits`);

  /** The ids of every recorded share. */
  async ids(): Promise<string[]> {
    await mkdir(this.dir, { recursive: true });
    return (await readdir(this.dir)).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).filter((id) => SHARE_ID.test(id));
  }

  async get(shareId: string): Promise<ShareFileRecord | undefined> {
    if (!SHARE_ID.test(shareId)) return undefined;
    try {
      return JSON.parse(await readFile(this.path(shareId), 'utf8')) as ShareFileRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StorageNotFoundError(`the record of ${shareId.slice(0, 12)}… cannot be read: ${(error as Error).message}`);
    }
  }

  /** Written whole to a temporary file, then renamed over the old one: a crash leaves one or the other. */
  async save(record: ShareFileRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temp = `${this.path(record.id)}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(record));
    await rename(temp, this.path(record.id));
  }
}

/** A record as the engine knows a stored share; one read where it lies has a DiskHandle source. */
export function storedShare(record: ShareFileRecord & { meta: ShareMetadata }): StoredShare {
  const readWhereItLies = record.complete && record.root !== undefined && record.stamp !== undefined;
  return {
    id: record.id,
    meta: record.meta,
    bitfield: record.bits ? fromHex(record.bits) : new Uint8Array(Math.ceil(record.meta.chunkHashes.length / 8)),
    complete: record.complete,
    addedAt: record.addedAt,
    ...(record.rooms ? { rooms: record.rooms } : {}),
    ...(record.secret ? { secret: record.secret } : {}),
    ...(readWhereItLies ? { source: { kind: 'handle', handle: new DiskHandle(record.root!, record.meta) as unknown as FileSystemFileHandle, ...record.stamp! } } : {}),
  };
}
