/**
 * One download's progress in the storage worker: which chunks are on disk (the bitfield, kept in a
 * sidecar file) and the SHA-256 of the file so far, kept up as chunks land.
 *
 * The sidecar is written after the chunks it marks (in OPFS, synchronously), so the file is never
 * behind its bitfield. Marks are written in batches: once BITS_BATCH_CHUNKS chunks are unmarked on
 * disk, BITS_BATCH_MS after the first of them, and at once on save() (the page's flushProgress, on
 * pagehide). Each OPFS write costs an IPC to the browser process (Chromium reports every
 * modification), so one write per chunk instead of two is a few percent of the CPU a transfer uses;
 * a crash costs at most a batch of chunks fetched again.
 */
import { createSHA256 } from 'hash-wasm';
import { bitIsSet, CHUNK_SIZE, chunkRange, setBit } from '../protocol/index.js';
import type { ByteFile } from './byte-store.js';
import type { StoredShare } from './share-records.js';
import { StorageFullError, StorageNotFoundError } from './storage-errors.js';

/** An incremental SHA-256 (hash-wasm's in a browser; Node's crypto in the headless peer). */
export interface RunningHash {
  init(): void;
  update(data: Uint8Array): void;
  digest(encoding: 'hex'): string;
}

const BITS_BATCH_CHUNKS = 16;
const BITS_BATCH_MS = 100;

/** Bitfield bytes changed since they were last written: [from, to), and how many chunks. */
interface Unsaved {
  from: number;
  to: number;
  chunks: number;
  timer: ReturnType<typeof setTimeout>;
}

export class DownloadProgress {
  #unsaved: Unsaved | undefined;
  /** Chunks [0, hashedChunks) are in #wholeHash. */
  #hashedChunks = 0;
  /** The read-back catch-up in progress, if any: only one runs at a time. */
  #catchingUp: Promise<void> | undefined;

  private constructor(
    /** The download's record; its bitfield is the live one. */
    readonly record: StoredShare,
    private readonly bits: ByteFile,
    /** Opens the download's own file, to read chunks back for the hash. */
    private readonly openData: () => Promise<ByteFile>,
    private readonly wholeHash: RunningHash,
  ) {}

  /** Loads the bitfield from the sidecar file `bits`, or starts that file from the record's; `newHash` makes the running hash. */
  static async open(record: StoredShare, bits: ByteFile, openData: () => Promise<ByteFile>, newHash: () => Promise<RunningHash> = createSHA256): Promise<DownloadProgress> {
    const length = record.bitfield.byteLength;
    if (bits.size() === length) await bits.read(record.bitfield, 0);
    else {
      await bits.truncate(length);
      await bits.write(record.bitfield, 0);
    }
    const wholeHash = await newHash();
    wholeHash.init();
    return new DownloadProgress(record, bits, openData, wholeHash);
  }

  /** Marks chunk `index`, now on disk; the mark reaches the sidecar file with its batch. */
  mark(index: number): void {
    const byte = index >> 3;
    setBit(this.record.bitfield, index);
    const unsaved = (this.#unsaved ??= { from: byte, to: byte + 1, chunks: 0, timer: this.#scheduleSave() });
    unsaved.from = Math.min(unsaved.from, byte);
    unsaved.to = Math.max(unsaved.to, byte + 1);
    if (++unsaved.chunks >= BITS_BATCH_CHUNKS) void this.save().catch(() => {});
  }

  /**
   * Writes the bitfield's unsaved bytes to the sidecar file. On failure they stay unsaved and go with
   * the next batch: the chunks are on disk either way, only a crash before then would refetch them.
   */
  async save(): Promise<void> {
    const unsaved = this.#unsaved;
    if (!unsaved) return;
    clearTimeout(unsaved.timer);
    this.#unsaved = undefined;
    try {
      const written = await this.bits.write(this.record.bitfield.subarray(unsaved.from, unsaved.to), unsaved.from);
      if (written !== unsaved.to - unsaved.from) throw new StorageFullError('the disk is full');
    } catch (error) {
      const since = this.#unsaved as Unsaved | undefined; // marks made while the write was pending
      if (since) {
        since.from = Math.min(since.from, unsaved.from);
        since.to = Math.max(since.to, unsaved.to);
      } else this.#unsaved = { ...unsaved, timer: this.#scheduleSave() };
      throw error;
    }
  }

  /** Saves, then flushes the sidecar file to disk. */
  async flush(): Promise<void> {
    await this.save();
    await this.bits.flush();
  }

  /** Stops the pending bitfield write (the share is complete or removed). */
  dropUnsaved(): void {
    clearTimeout(this.#unsaved?.timer);
    this.#unsaved = undefined;
  }

  /** The timer that writes a batch BITS_BATCH_MS after its first mark (a failure waits for the next). */
  #scheduleSave(): ReturnType<typeof setTimeout> {
    return setTimeout(() => void this.save().catch(() => {}), BITS_BATCH_MS);
  }

  /**
   * Moves the whole-file hash on after chunk `index` (`data`) was marked: hashed from memory when it
   * is next in line, else the chunks after the hash's end are read back once the gap before them
   * closes. A read-back failure is left to the completion check, which reads again.
   */
  hashChunk(index: number, data: Uint8Array): void {
    if (!this.#catchingUp && index === this.#hashedChunks) {
      this.wholeHash.update(data);
      this.#hashedChunks++;
    }
    if (this.#hashedChunks < this.record.meta.chunkHashes.length && bitIsSet(this.record.bitfield, this.#hashedChunks)) {
      this.#catchUp(1).catch(() => {});
    }
  }

  /**
   * SHA-256 of the whole file once every chunk is stored: the running hash carried over whatever it
   * had not reached yet (read back in slices of `sliceChunks` chunks). Undefined if a chunk is missing.
   * A digest ends the hash; it starts over, should anything be rewritten.
   */
  async digest(sliceChunks: number): Promise<string | undefined> {
    await this.#catchingUp?.catch(() => {});
    await this.#catchUp(sliceChunks);
    if (this.#hashedChunks !== this.record.meta.chunkHashes.length) return undefined;
    const digest = this.wholeHash.digest('hex');
    this.wholeHash.init();
    this.#hashedChunks = 0;
    return digest;
  }

  /** Hashes every stored chunk that follows the hash's end, reading them back. A call during a run joins it. */
  #catchUp(sliceChunks: number): Promise<void> {
    this.#catchingUp ??= (async () => {
      try {
        const { meta, bitfield } = this.record;
        const count = meta.chunkHashes.length;
        const file = await this.openData();
        let buffer = new Uint8Array(0);
        while (this.#hashedChunks < count && bitIsSet(bitfield, this.#hashedChunks)) {
          let last = this.#hashedChunks;
          while (last + 1 < count && last + 1 < this.#hashedChunks + sliceChunks && bitIsSet(bitfield, last + 1)) last++;
          const start = chunkRange(this.#hashedChunks, meta.size, CHUNK_SIZE).start;
          const end = chunkRange(last, meta.size, CHUNK_SIZE).end;
          if (buffer.byteLength < end - start) buffer = new Uint8Array(end - start);
          const slice = buffer.subarray(0, end - start);
          if ((await file.read(slice, start)) !== slice.byteLength) throw new StorageNotFoundError(`short read at ${start}`);
          this.wholeHash.update(slice);
          this.#hashedChunks = last + 1;
        }
      } finally {
        this.#catchingUp = undefined;
      }
    })();
    return this.#catchingUp;
  }
}
