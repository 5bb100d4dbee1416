/**
 * One download: fetches the metadata and checks it against the share id, allocates storage, then
 * pulls chunks from every source at once (rarest first, pipelines sized to each peer's measured
 * throughput, endgame duplicates at the tail). Each chunk is verified in the storage worker before
 * it is written; a peer that sends bad chunks or stalls loses its requests to the others. The
 * bitfield is persisted as chunks land, so a reload resumes; the whole-file SHA-256 is checked last.
 */
import {
  Bitfield,
  BitfieldLengthError,
  CHUNK_SIZE,
  chunkCount,
  chunkRange,
  decodeVerifiedMetadata,
  encodeCancel,
  encodeMetadataRequest,
  ENDGAME_DUPLICATE_AFTER_MS,
  MAX_BATCHED_REQUESTS,
  PIPELINE_MAX,
  RejectReason,
  REQUEST_TIMEOUT_MS,
  type ShareMetadata,
  WireErrorCode,
} from '../protocol/index.js';
import { MAX_BAD_CHUNKS, MAX_UNVERIFIED_CHUNKS, PIPELINE_MIN, PIPELINE_MIN_IN_CROWD, PIPELINE_TARGET_MS, REQUEST_BATCH, REQUEST_BATCH_FRACTION, SENT_ELSEWHERE_DEFER_MS, SPEED_WINDOW_MS, WATCHDOG_INTERVAL_MS } from './constants.js';
import { FileHashMismatchError, isError, StorageFullError } from './chunk-storage.js';
import { newSource, type Source } from './download-source.js';
import { MetadataParts } from './metadata-parts.js';
import { PiecePicker, pipelineDepth } from './piece-picker.js';
import { leechChannel, sendRequests, type SourceEndReason } from './leech-channel.js';
import type { WireChannel } from './wire-channel.js';
import type { DownloadComponents, DownloadStatus } from './download-contract.js';

export type { SourceEndReason };
export type { DownloadComponents, DownloadEvents, DownloadStatus } from './download-contract.js';

/** Free pipeline slots that make a batched refill worth its frame (constants.ts, REQUEST_BATCH). */
export function requestBatch(depth: number): number {
  return Math.min(MAX_BATCHED_REQUESTS, Math.max(REQUEST_BATCH, Math.floor(depth * REQUEST_BATCH_FRACTION)));
}

export class Download {
  meta: ShareMetadata | undefined;
  bitfield: Bitfield | undefined;
  #picker: PiecePicker | undefined;
  readonly #sources = new Set<Source>();
  /** Chunks being verified: a late duplicate of one is dropped, not verified twice. */
  readonly #verifying = new Set<number>();
  #metadataParts = new MetadataParts();
  #metadataSource: Source | undefined;
  #finished: Promise<void> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #limitTimer: ReturnType<typeof setTimeout> | undefined;
  #resolveDone!: () => void;
  #rejectDone!: (error: Error) => void;
  readonly done: Promise<void>;
  #paused = false;
  /** A source was added once: with none now, the download is stalled, not still connecting. */
  #hadSource = false;
  readonly #now: () => number;

  constructor(
    readonly shareId: string,
    private readonly components: DownloadComponents,
    resume?: { meta: ShareMetadata; bitfield: Uint8Array },
  ) {
    this.#now = components.now ?? (() => performance.now());
    this.done = new Promise((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
    this.done.catch(() => undefined).finally(() => {
      clearInterval(this.#watchdog);
      clearTimeout(this.#limitTimer);
    });
    if (resume) this.#adopt(resume.meta, new Bitfield(chunkCount(resume.meta.size), resume.bitfield));
    this.#watchdog = setInterval(() => this.#onWatchdog(), WATCHDOG_INTERVAL_MS);
  }

  get sourceCount(): number {
    return this.#sources.size;
  }

  /** The peers this download has a channel to now. */
  sourceIds(): string[] {
    return [...this.#sources].map((source) => source.remoteId);
  }

  get paused(): boolean {
    return this.#paused;
  }

  get status(): DownloadStatus {
    if (this.#paused) return 'paused';
    if (this.#finished) return 'verifying';
    if (this.#sources.size === 0) return this.#hadSource ? 'stalled' : 'connecting';
    return this.meta ? 'downloading' : 'connecting';
  }

  get bytesDone(): number {
    if (!this.meta || !this.bitfield) return 0;
    const last = this.bitfield.length - 1;
    const lastShort = this.bitfield.has(last) ? CHUNK_SIZE - (this.meta.size - last * CHUNK_SIZE) : 0;
    return this.bitfield.count * CHUNK_SIZE - lastShort;
  }

  /** Starts pulling from a peer over a freshly opened channel. */
  addSource(wire: WireChannel, remoteId: string): void {
    const source = newSource(wire, remoteId, this.#now());
    this.#sources.add(source);
    this.#hadSource = true;
    this.components.events.onSourcesChanged(this.#sources.size);
    void wire.closed.then(() => this.#removeSource(source, 'closed', 'channel closed'));
    leechChannel(source, this.shareId, {
      bitfield: (s) => (this.meta ? this.#readBitfield(s) : this.#requestMetadata(s)),
      have: (s, index, news) => {
        if (news) this.#picker!.peerHas(index, s.partial);
        this.#fill(s);
      },
      metadataPart: (s, part, total, data) => void this.#onMetadataPart(s, part, total, data),
      piece: (s, index, data) => void this.#onPiece(s, index, data),
      reject: (s, index, reason) => {
        if (s.inFlight.delete(index)) this.#picker?.release(index);
        s.cancelled.delete(index);
        // Sent to another peer moments ago: it comes from the crowd, or from this peer later.
        if (reason === RejectReason.SentElsewhere) {
          s.deferred.set(index, this.#now() + SENT_ELSEWHERE_DEFER_MS);
          if (this.#picker) this.#picker.crowd = true;
        }
        this.#fillAll();
      },
      drop: (s, reason, detail, code) => this.#dropSource(s, reason, detail, code),
    });
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#fillAll();
  }

  /** A reader waits for chunks [from, to): fetch them before any other (see PiecePicker.prioritize). */
  prioritize(key: number, from: number, to: number): void {
    if (!this.#picker) return;
    this.#picker.prioritize(key, from, to);
    this.#fillAll();
  }

  deprioritize(key: number): void {
    this.#picker?.deprioritize(key);
  }

  /** Stops every source; what landed stays on disk for a later resume. */
  stop(): void {
    clearInterval(this.#watchdog);
    clearTimeout(this.#limitTimer);
    for (const source of [...this.#sources]) source.wire.close();
  }

  /** Saves progress now (e.g. before the page goes away). */
  async flush(): Promise<void> {
    if (this.meta) await this.components.storage.flushProgress(this.shareId);
  }

  #adopt(meta: ShareMetadata, bitfield: Bitfield): void {
    this.meta = meta;
    this.bitfield = bitfield;
    this.#picker = new PiecePicker(bitfield);
  }

  #requestMetadata(source: Source): void {
    if (this.#metadataSource || this.meta) return;
    this.#metadataSource = source;
    this.#metadataParts = new MetadataParts();
    source.wire.send(encodeMetadataRequest(0));
  }

  async #onMetadataPart(source: Source, part: number, total: number, data: Uint8Array): Promise<void> {
    if (source !== this.#metadataSource || this.meta) return;
    const result = this.#metadataParts.add(part, total, data);
    if (result.state === 'malformed') return this.#dropSource(source, 'protocol', 'malformed metadata');
    if (result.state === 'more') return void source.wire.send(encodeMetadataRequest(result.next));
    const { encoded } = result;
    let meta: ShareMetadata;
    try {
      meta = await decodeVerifiedMetadata(encoded, this.shareId);
    } catch (error) {
      this.#metadataSource = undefined;
      return this.#dropSource(source, 'bad-data', (error as Error).message);
    }
    let onDisk: Uint8Array;
    try {
      onDisk = await this.components.storage.allocate(this.shareId, meta);
    } catch (error) {
      return this.#fail(error as Error);
    }
    this.#adopt(meta, new Bitfield(chunkCount(meta.size), onDisk));
    this.components.events.onMetadata(meta, encoded);
    for (const s of this.#sources) this.#readBitfield(s);
    if (this.bitfield!.complete) void this.#finish();
  }

  #readBitfield(source: Source): void {
    if (!source.rawBits || source.has || !this.meta) return;
    try {
      source.has = new Bitfield(chunkCount(this.meta.size), source.rawBits);
    } catch (error) {
      if (error instanceof BitfieldLengthError) return this.#dropSource(source, 'protocol', error.message);
      throw error;
    }
    source.partial = !source.has.complete;
    this.#picker!.peerAdded(source.has, source.partial);
    if (source.partial) this.#picker!.crowd = true;
    this.#fill(source);
  }

  #fillAll(): void {
    for (const source of this.#sources) this.#fill(source);
  }

  #fill(source: Source): void {
    const picker = this.#picker;
    if (this.#paused || !picker || !source.has || !source.wire.isOpen || this.#finished) return;
    const now = this.#now();
    const measured = now - source.addedAt >= SPEED_WINDOW_MS;
    const min = picker.crowd && measured ? PIPELINE_MIN_IN_CROWD : PIPELINE_MIN;
    const depth = pipelineDepth(source.meter.rate(now), CHUNK_SIZE, { min, max: PIPELINE_MAX, targetMs: PIPELINE_TARGET_MS });
    // A seeder that takes batches is asked once a batch's worth of slots is free (or its pipe ran dry).
    if (source.batched && source.inFlight.size > 0 && depth - source.inFlight.size < requestBatch(depth)) return;
    const asked: number[] = [];
    // A seeder's chunks that partial peers here hold too are left to them (piece-picker.ts).
    const spareSeeder = !source.partial && [...this.#sources].some((s) => s.partial && s.wire.isOpen);
    for (const [index, until] of source.deferred) if (until <= now) source.deferred.delete(index);
    const deferred = source.deferred.size > 0 ? (i: number) => source.deferred.has(i) : undefined;
    while (source.inFlight.size < depth && this.#verifying.size < MAX_UNVERIFIED_CHUNKS) {
      let index = picker.next(source.has, spareSeeder, deferred);
      if (index < 0) index = picker.nextDuplicate(source.has, (i) => !source.inFlight.has(i) && !this.#verifying.has(i) && this.#overdue(i, now));
      if (index < 0) break;
      const wait = this.components.limiter?.tryTake(CHUNK_SIZE) ?? 0;
      if (wait > 0) {
        this.#limitTimer ??= setTimeout(() => {
          this.#limitTimer = undefined;
          this.#fillAll();
        }, wait);
        break;
      }
      picker.markRequested(index);
      source.inFlight.set(index, now);
      source.cancelled.delete(index);
      if (source.inFlight.size === 1) source.lastPieceAt = now; // the stall clock starts with work
      asked.push(index);
    }
    sendRequests(source, asked);
  }

  /** Whether chunk `index` was requested from some source at least ENDGAME_DUPLICATE_AFTER_MS ago. */
  #overdue(index: number, now: number): boolean {
    for (const source of this.#sources) {
      const askedAt = source.inFlight.get(index);
      if (askedAt !== undefined && now - askedAt >= ENDGAME_DUPLICATE_AFTER_MS) return true;
    }
    return false;
  }

  async #onPiece(source: Source, index: number, data: Uint8Array): Promise<void> {
    if (!source.inFlight.delete(index)) {
      if (source.cancelled.delete(index)) return; // an endgame loser that was already on its way
      return this.#dropSource(source, 'protocol', `sent chunk ${index} that was not requested`);
    }
    const now = this.#now();
    source.lastPieceAt = now;
    source.meter.add(data.byteLength, now);
    const meta = this.meta!;
    const picker = this.#picker!;
    if (this.bitfield!.has(index) || this.#verifying.has(index)) return this.#fill(source); // lost the endgame race
    this.#verifying.add(index);
    this.#fill(source); // keep the pipe full while this chunk is verified, up to the backlog limit
    const { start, end } = chunkRange(index, meta.size);
    let stored = false;
    try {
      // The frame's buffer is ours alone: storage may take it (across a worker boundary, without a copy).
      stored = await this.components.storage.writeVerifiedChunk(this.shareId, index, data);
    } catch (error) {
      this.#verifying.delete(index);
      if (isError(error, StorageFullError)) {
        // Not a failure: nothing was marked that is not on disk. Wait for room, then go on.
        picker.release(index);
        if (!this.#paused) {
          this.#paused = true;
          this.#cancelAll();
          this.components.events.onStorageFull((error as Error).message);
        }
        return;
      }
      return this.#fail(error as Error);
    }
    this.#verifying.delete(index);
    if (!stored) {
      picker.release(index);
      source.badChunks++;
      if (source.badChunks >= MAX_BAD_CHUNKS) this.#dropSource(source, 'bad-data', `${source.badChunks} chunks failed SHA-256 verification`, WireErrorCode.Banned);
      return this.#fillAll();
    }
    picker.received(index);
    for (const other of this.#sources) {
      if (other !== source && other.inFlight.delete(index)) {
        other.cancelled.add(index);
        if (other.wire.isOpen) other.wire.send(encodeCancel(index));
      }
    }
    this.components.events.onChunk(source.remoteId, index, end - start);
    if (this.bitfield!.complete) return void this.#finish();
    this.#fillAll();
  }

  /** Withdraws every outstanding request (the chunks go back to the picker). */
  #cancelAll(): void {
    for (const source of this.#sources) {
      for (const index of source.inFlight.keys()) {
        this.#picker?.release(index);
        source.cancelled.add(index);
        if (source.wire.isOpen) source.wire.send(encodeCancel(index));
      }
      source.inFlight.clear();
    }
  }

  /**
   * A source with requests out and no piece for REQUEST_TIMEOUT_MS loses them and is dropped. In
   * endgame, requests that have grown overdue since the last piece are duplicated now.
   */
  #onWatchdog(): void {
    const now = this.#now();
    for (const source of [...this.#sources]) {
      if (source.inFlight.size > 0 && now - source.lastPieceAt > REQUEST_TIMEOUT_MS) {
        this.#dropSource(source, 'stalled', `no data for ${Math.round((now - source.lastPieceAt) / 1000)} s`);
      }
    }
    // Requests the next chunks wherever a pipe has room: in the endgame, and for chunks a peer asked
    // us to fetch elsewhere (REJECT 4) or that were left to partial peers, once that no longer holds.
    this.#fillAll();
  }

  #finish(): Promise<void> {
    this.#finished ??= (async () => {
      clearInterval(this.#watchdog);
      this.components.events.onVerifying?.();
      try {
        const fileHash = await this.components.storage.hashStoredShare(this.shareId);
        if (fileHash !== this.meta!.fileHash) {
          // Every chunk matched its hash, so the metadata's whole-file hash is false (or the disk
          // changed the bytes): what we hold must not be served or resumed as this share.
          await this.components.storage.removeShare(this.shareId);
          throw new FileHashMismatchError(`the finished file's SHA-256 is ${fileHash}, not the ${this.meta!.fileHash} its metadata names; it was discarded`);
        }
        await this.components.storage.completeShare(this.shareId);
        this.#resolveDone();
      } catch (error) {
        this.#rejectDone(error as Error);
      }
      for (const source of [...this.#sources]) source.wire.close();
    })();
    return this.#finished;
  }

  #fail(error: Error): void {
    this.#finished ??= Promise.resolve(); // ended: no more requests, no more source events
    this.stop();
    this.#rejectDone(error);
  }

  #dropSource(source: Source, reason: SourceEndReason, detail: string, code: number = WireErrorCode.ProtocolViolation): void {
    console.warn(`shoal: dropping peer ${source.remoteId}: ${detail}`);
    if (source.wire.isOpen) source.wire.fail(code, detail);
    this.#removeSource(source, reason, detail);
  }

  #removeSource(source: Source, reason: SourceEndReason, detail: string): void {
    if (!this.#sources.delete(source)) return;
    for (const index of source.inFlight.keys()) this.#picker?.release(index);
    source.inFlight.clear();
    if (source.has) this.#picker?.peerRemoved(source.has, source.partial);
    if (this.#metadataSource === source) {
      this.#metadataSource = undefined;
      const next = [...this.#sources].find((s) => s.rawBits);
      if (next) this.#requestMetadata(next);
    }
    if (this.#finished) return; // closing our own channels at the end is not news
    this.components.events.onSourcesChanged(this.#sources.size);
    this.components.events.onSourceEnded(source.remoteId, reason, detail);
    this.#fillAll();
  }
}
