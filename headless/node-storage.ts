/**
 * Storage for the headless peer, on a plain disk. It is both the engine's StoragePort and the data
 * plane's ChunkStorage, as the storage worker is in a browser, with the same rules: a chunk is
 * written only if its SHA-256 matches, its mark reaches the bitfield sidecar after it (in batches:
 * download-progress.ts, shared with the browser), the whole-file hash is kept up as chunks land.
 *
 * Layout: the state directory holds `shares/<id>.json` (metadata, rooms, where the bytes are) and,
 * while a download runs, `shares/<id>.bits` (its bitfield). A download writes into
 * `<downloads>/<name>.part` (a folder share: a folder of that name), renamed to `<name>` (or
 * `<name> (2)`…) once its whole-file SHA-256 checks; from then on it is seeded from there. Shares
 * seeded with `shoal seed` are read where they lie (never copied, never deleted here); a file whose
 * size or modification time changed is not served (SourceChangedError, as in a browser).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Bitfield, CHUNK_SIZE, chunkCount, chunkRange, toHex, type ShareMetadata } from '../protocol/index.js';
import { SourceChangedError, StorageFullError, type ChunkStorage } from '../plane/chunk-storage.js';
import type { StoragePort } from '../web/engine/engine-components.js';
import { DownloadProgress, type RunningHash } from '../workers/download-progress.js';
import { readRanges } from '../workers/byte-store.js';
import type { ShareSource, StoredShare } from '../workers/share-records.js';
import { ChunkOutOfRangeError, StorageNotFoundError, StorageQuotaError } from '../workers/storage-errors.js';
import { DiskHandle, diskFile } from './disk-source.js';
import { RecordFiles, storedShare, type ShareFileRecord } from './record-files.js';
import { PlainFile } from './plain-file.js';
import { shareFilesUnder, SpanFile } from './span-file.js';

/** Reads for the whole-file check and imports, 1 MiB at a time. */
const SLICE = 16 * CHUNK_SIZE;

interface Running {
  progress: DownloadProgress;
  bytes: SpanFile;
  bits: PlainFile;
}

export interface NodeStorageOptions {
  /** Where records and bitfields live (`~/.local/share/shoal` by default in the CLI). */
  stateDir: string;
  /** Where downloads are written. */
  downloadDir: string;
  /** Only these shares are listed (the CLI's command names them); all when undefined. */
  only?: Set<string>;
}

export class NodeStorage implements StoragePort, ChunkStorage {
  readonly #running = new Map<string, Promise<Running>>();
  readonly #readable = new Map<string, Promise<SpanFile>>();
  readonly #imports = new Map<number, AbortController>();
  readonly #records: RecordFiles;
  #importCounter = 0;

  constructor(private readonly options: NodeStorageOptions) {
    this.#records = new RecordFiles(join(options.stateDir, 'shares'));
  }

  async backend(): Promise<'disk'> {
    return 'disk';
  }

  // ---- records ----

  async getShare(shareId: string): Promise<StoredShare | undefined> {
    const record = await this.#records.get(shareId);
    if (!record?.meta) return undefined;
    const running = record.complete ? undefined : await this.#progress(shareId).catch(() => undefined);
    return running?.progress.record ?? storedShare({ ...record, meta: record.meta });
  }

  async listShares(): Promise<StoredShare[]> {
    const shares: StoredShare[] = [];
    for (const id of await this.#records.ids()) {
      if (this.options.only && !this.options.only.has(id)) continue;
      const share = await this.getShare(id);
      if (share) shares.push(share);
    }
    return shares;
  }

  /** The share recorded as read from `root` (a file or folder seeded where it lies), if any. */
  async findByRoot(root: string): Promise<StoredShare | undefined> {
    for (const id of await this.#records.ids()) {
      const record = await this.#records.get(id).catch(() => undefined);
      if (record?.meta && record.complete && record.root === root) return storedShare({ ...record, meta: record.meta });
    }
    return undefined;
  }

  /** Records a share (one seeded from disk keeps its DiskHandle's root; others were imported). */
  async putShare(share: StoredShare): Promise<void> {
    this.#readable.delete(share.id);
    const before = await this.#records.get(share.id);
    const root = share.source ? (share.source.handle as unknown as DiskHandle).root : (before?.root ?? this.#copyPath(share.id));
    await this.#records.save({
      id: share.id,
      meta: share.meta,
      addedAt: share.addedAt,
      complete: share.complete,
      bits: toHex(share.bitfield),
      root,
      ...(share.source ? { stamp: { size: share.source.size, lastModified: share.source.lastModified } } : {}),
      ...(share.rooms ?? before?.rooms ? { rooms: share.rooms ?? before!.rooms! } : {}),
      ...(share.secret ?? before?.secret ? { secret: share.secret ?? before!.secret! } : {}),
    });
  }

  async setShareRooms(shareId: string, rooms: string[], secret?: string): Promise<void> {
    const record = (await this.#records.get(shareId)) ?? { id: shareId, addedAt: Date.now(), complete: false, bits: '' };
    await this.#records.save({ ...record, rooms, ...(secret !== undefined ? { secret } : {}) });
  }

  async updateSource(shareId: string, source: ShareSource): Promise<void> {
    const record = await this.#records.get(shareId);
    if (!record) throw new StorageNotFoundError(`no share ${shareId.slice(0, 12)}… in storage`);
    await this.#records.save({ ...record, stamp: { size: source.size, lastModified: source.lastModified } });
    this.forgetReadable(shareId);
  }

  forgetReadable(shareId: string): void {
    const file = this.#readable.get(shareId);
    this.#readable.delete(shareId);
    void file?.then((f) => f.close()).catch(() => undefined);
  }

  /** Forgets a share: a partial download's bytes and an imported copy go; a file seeded where it lies, or a finished download, stays. */
  async removeShare(shareId: string): Promise<void> {
    const record = await this.#records.get(shareId);
    await this.#stopRunning(shareId);
    this.forgetReadable(shareId);
    if (record?.root && !record.complete) await rm(record.root, { recursive: true, force: true });
    if (record?.root === this.#copyPath(shareId)) await rm(record.root, { force: true });
    await rm(this.#records.bitsPath(shareId), { force: true });
    await rm(this.#records.path(shareId), { force: true });
  }

  // ---- imports (a Blob with no file behind it is copied into the state directory) ----

  async importFile(file: Blob, jobId: number, onProgress?: (bytesDone: number) => void): Promise<string> {
    const dir = join(this.options.stateDir, 'imports');
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `${process.pid}-${++this.#importCounter}.tmp`);
    const abort = new AbortController();
    this.#imports.set(jobId, abort);
    let done = 0;
    const counted = Readable.fromWeb(file.stream() as import('node:stream/web').ReadableStream<Uint8Array>).on('data', (chunk: Buffer) => onProgress?.((done += chunk.byteLength)));
    try {
      await pipeline(counted, createWriteStream(temp), { signal: abort.signal });
      return temp;
    } catch (error) {
      await rm(temp, { force: true });
      throw mapWriteError(error);
    } finally {
      this.#imports.delete(jobId);
    }
  }

  cancelImport(jobId: number): void {
    this.#imports.get(jobId)?.abort();
  }

  async commitImport(tempName: string, shareId: string): Promise<void> {
    await mkdir(join(this.options.stateDir, 'copies'), { recursive: true });
    await rename(tempName, this.#copyPath(shareId));
  }

  async discardImport(tempName: string): Promise<void> {
    await rm(tempName, { force: true });
  }

  // ---- the data plane's side (ChunkStorage) ----

  async partial(shareId: string): Promise<{ meta: ShareMetadata; bitfield: Uint8Array } | undefined> {
    const share = await this.getShare(shareId);
    return share && !share.complete ? { meta: share.meta, bitfield: share.bitfield } : undefined;
  }

  /** Creates (or reopens, to resume) a download: its record, its files (sparse), after checking the disk has room. */
  async allocate(shareId: string, meta: ShareMetadata): Promise<Uint8Array> {
    let record = await this.#records.get(shareId);
    if (!record?.meta || !record.root) {
      await mkdir(this.options.downloadDir, { recursive: true });
      const root = await freeName(this.options.downloadDir, `${meta.name}.part`);
      record = { id: shareId, addedAt: Date.now(), complete: false, rooms: record?.rooms, ...(record?.secret ? { secret: record.secret } : {}), meta, root, bits: toHex(new Uint8Array(Math.ceil(meta.chunkHashes.length / 8))) } as ShareFileRecord;
      await this.#records.save(record);
    }
    const running = await this.#progress(shareId);
    const missing = meta.size - new Bitfield(chunkCount(meta.size), running.progress.record.bitfield).count * CHUNK_SIZE;
    const { bavail, bsize } = await statfs(this.options.downloadDir);
    if (missing > bavail * bsize) throw new StorageQuotaError(`${meta.name} needs ${mib(missing)} more and ${this.options.downloadDir} has ${mib(bavail * bsize)} free`);
    await running.bytes.truncate(meta.size);
    return running.progress.record.bitfield;
  }

  async writeVerifiedChunk(shareId: string, index: number, data: Uint8Array): Promise<boolean> {
    const { progress, bytes } = await this.#progress(shareId);
    const { meta } = progress.record;
    if (!Number.isInteger(index) || index < 0 || index >= meta.chunkHashes.length) throw new ChunkOutOfRangeError(`no chunk ${index} in this share`);
    const { start, end } = chunkRange(index, meta.size, CHUNK_SIZE);
    if (data.byteLength !== end - start) return false;
    if (createHash('sha256').update(data).digest('hex') !== meta.chunkHashes[index]) return false;
    let written: number;
    try {
      written = await bytes.write(data, start);
    } catch (error) {
      throw mapWriteError(error);
    }
    if (written !== data.byteLength) throw new StorageFullError(`the disk holding ${this.options.downloadDir} is full`);
    progress.mark(index);
    progress.hashChunk(index, data);
    return true;
  }

  async flushProgress(shareId: string): Promise<void> {
    const running = await this.#running.get(shareId)?.catch(() => undefined);
    await running?.progress.flush();
  }

  /** SHA-256 of a finished download: the running hash, carried over what it had not reached (read back). */
  async hashStoredShare(shareId: string): Promise<string> {
    const running = await this.#running.get(shareId)?.catch(() => undefined);
    const digest = await running?.progress.digest(SLICE / CHUNK_SIZE);
    if (digest) return digest;
    const file = running?.bytes ?? (await this.#readableFile(shareId));
    const hash = createHash('sha256');
    const buffer = new Uint8Array(SLICE);
    for (let offset = 0; offset < file.size(); offset += SLICE) {
      const read = await file.read(buffer.subarray(0, Math.min(SLICE, file.size() - offset)), offset);
      hash.update(buffer.subarray(0, read));
    }
    return hash.digest('hex');
  }

  /** The download checked out: its `.part` gets the share's name, and it is seeded from there. */
  async completeShare(shareId: string): Promise<void> {
    const record = await this.#records.get(shareId);
    if (!record?.meta || !record.root) throw new StorageNotFoundError(`no download of ${shareId.slice(0, 12)}… in storage`);
    const bitfield = Bitfield.full(chunkCount(record.meta.size)).bytes;
    await this.#stopRunning(shareId);
    const root = await freeName(this.options.downloadDir, record.meta.name);
    await rename(record.root, root);
    const file = await diskFile(record.meta.name, shareFilesUnder(root, record.meta).map((f) => f.at));
    await this.#records.save({ ...record, complete: true, bits: toHex(bitfield), root, stamp: { size: file.size, lastModified: file.lastModified } });
    await rm(this.#records.bitsPath(shareId), { force: true });
  }

  async readChunks(shareId: string, ranges: { offset: number; length: number }[], reserve = 0, into?: Uint8Array[]): Promise<Uint8Array[]> {
    const running = await this.#running.get(shareId)?.catch(() => undefined);
    const file = running?.bytes ?? (await this.#readableFile(shareId));
    return readRanges(file, ranges, reserve, into, (message) => new SourceChangedError(message));
  }

  /** Saves every running download's bitfield and closes its files (before the process exits). */
  async close(): Promise<void> {
    for (const shareId of [...this.#running.keys()]) await this.#stopRunning(shareId, true);
    for (const shareId of [...this.#readable.keys()]) this.forgetReadable(shareId);
  }

  // ---- internals ----

  #copyPath = (shareId: string) => join(this.options.stateDir, 'copies', shareId);

  /** A running download's progress and files, opened once and shared by every call. */
  #progress(shareId: string): Promise<Running> {
    let running = this.#running.get(shareId);
    if (!running) {
      running = (async () => {
        const record = await this.#records.get(shareId);
        if (!record?.meta || !record.root || record.complete) throw new StorageNotFoundError(`no download of ${shareId.slice(0, 12)}… in storage`);
        const stored = storedShare(record as ShareFileRecord & { meta: ShareMetadata });
        const bytes = await SpanFile.open(shareFilesUnder(record.root, record.meta), true);
        const bits = await PlainFile.open(this.#records.bitsPath(shareId));
        const progress = await DownloadProgress.open(stored, bits, async () => bytes, async () => nodeRunningHash());
        return { progress, bytes, bits };
      })();
      running.catch(() => this.#running.delete(shareId));
      this.#running.set(shareId, running);
    }
    return running;
  }

  /** Ends a running download's hold on its files; with `save`, its bitfield is written first. */
  async #stopRunning(shareId: string, save = false): Promise<void> {
    const running = await this.#running.get(shareId)?.catch(() => undefined);
    this.#running.delete(shareId);
    if (!running) return;
    if (save) await running.progress.flush().catch(() => undefined);
    else running.progress.dropUnsaved();
    await running.bytes.close();
    await running.bits.close();
  }

  /** A complete share's files to read, checked against the size and modification time they were hashed at. */
  #readableFile(shareId: string): Promise<SpanFile> {
    let file = this.#readable.get(shareId);
    if (!file) {
      file = (async () => {
        const record = await this.#records.get(shareId);
        if (!record?.meta || !record.root) throw new StorageNotFoundError(`no share ${shareId.slice(0, 12)}… in storage`);
        const files = shareFilesUnder(record.root, record.meta);
        if (record.stamp) {
          let now: File;
          try {
            now = await diskFile(record.meta.name, files.map((f) => f.at));
          } catch (error) {
            throw new SourceChangedError(`"${record.meta.name}" can no longer be read from ${record.root} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
          }
          if (now.size !== record.stamp.size || now.lastModified !== record.stamp.lastModified) throw new SourceChangedError(`"${record.meta.name}" changed on disk since it was shared`);
        }
        return SpanFile.open(files, false);
      })();
      file.catch(() => this.#readable.delete(shareId));
      this.#readable.set(shareId, file);
    }
    return file;
  }
}

/** The running whole-file hash with Node's crypto (OpenSSL's SHA-256, several times hash-wasm's speed here). */
function nodeRunningHash(): RunningHash {
  let hash = createHash('sha256');
  return {
    init: () => void (hash = createHash('sha256')),
    update: (data) => void hash.update(data),
    digest: (encoding) => hash.digest(encoding),
  };
}

/** `name` in `dir`, or `name (2)`, `name (3)`… (before the extension) if taken. */
async function freeName(dir: string, name: string): Promise<string> {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; ; n++) {
    const candidate = join(dir, n === 1 ? name : `${stem} (${n})${ext}`);
    try {
      await stat(candidate);
    } catch {
      return candidate;
    }
  }
}

function mapWriteError(error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StorageFullError('the disk is full');
  return error as Error;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
