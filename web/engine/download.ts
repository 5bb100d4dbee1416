/**
 * One download: fetches and checks the metadata against the share id, allocates storage, then keeps
 * REQUESTS_IN_FLIGHT chunk requests outstanding on every source that has chunks we lack. Each chunk
 * is verified (in the storage worker) before it is written; a peer that sends a bad chunk twice is
 * dropped, and its work goes back to the pool. The bitfield is persisted as chunks land, so a reload
 * resumes; the whole-file SHA-256 is checked at the end.
 */
import {
  Bitfield,
  BitfieldLengthError,
  chunkCount,
  chunkRange,
  decodeVerifiedMetadata,
  encodeHandshake,
  encodeMetadataRequest,
  encodeRequest,
  MAX_METADATA_BYTES,
  METADATA_PART_BYTES,
  type ShareMetadata,
  type WireMessage,
} from '../../protocol/index.js';
import { BITFIELD_SAVE_EVERY, REQUESTS_IN_FLIGHT } from './constants.js';
import { WireErrorCode, type WireChannel } from './wire-channel.js';
import type { StorageApi } from './workers.js';

export class FileHashMismatchError extends Error {
  override name = 'FileHashMismatchError';
}

/** A bad chunk costs a peer its place after this many. */
const MAX_BAD_CHUNKS = 2;

interface Source {
  remoteId: string;
  wire: WireChannel;
  has: Bitfield | undefined;
  rawBits: Uint8Array | undefined;
  inFlight: Set<number>;
  badChunks: number;
}

export interface DownloadEvents {
  onMetadata: (meta: ShareMetadata, encoded: Uint8Array) => void;
  onChunk: (remoteId: string, bytes: number) => void;
  onSourcesChanged: (count: number) => void;
}

export interface DownloadComponents {
  storage: StorageApi;
  events: DownloadEvents;
}

export class Download {
  meta: ShareMetadata | undefined;
  bitfield: Bitfield | undefined;
  readonly #sources = new Set<Source>();
  /** Chunks requested or being verified: never requested twice at once. */
  readonly #busy = new Set<number>();
  /** Chunks that failed and should be picked before the cursor's. */
  readonly #retry: number[] = [];
  #cursor = 0;
  #unsaved = 0;
  #metadataParts: Uint8Array[] = [];
  #metadataSource: Source | undefined;
  #finished: Promise<void> | undefined;
  #resolveDone!: () => void;
  #rejectDone!: (error: Error) => void;
  readonly done: Promise<void>;
  paused = false;

  constructor(
    readonly shareId: string,
    private readonly components: DownloadComponents,
    resume?: { meta: ShareMetadata; bitfield: Uint8Array },
  ) {
    this.done = new Promise((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
    if (resume) this.#adopt(resume.meta, new Bitfield(chunkCount(resume.meta.size), resume.bitfield));
  }

  get sourceCount(): number {
    return this.#sources.size;
  }

  get bytesDone(): number {
    if (!this.meta || !this.bitfield) return 0;
    const { size } = this.meta;
    const last = this.bitfield.length - 1;
    return this.bitfield.count * this.meta.chunkSize - (this.bitfield.has(last) ? this.meta.chunkSize - (size - last * this.meta.chunkSize) : 0);
  }

  /** Starts pulling from a peer over a freshly opened channel. */
  addSource(wire: WireChannel, remoteId: string): void {
    const source: Source = { remoteId, wire, has: undefined, rawBits: undefined, inFlight: new Set(), badChunks: 0 };
    this.#sources.add(source);
    this.components.events.onSourcesChanged(this.#sources.size);
    wire.onMessage((message) => this.#onMessage(source, message));
    void wire.closed.then(() => this.#removeSource(source));
    wire.send(encodeHandshake(this.shareId));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const source of this.#sources) this.#fill(source);
  }

  /** Stops every source; in-flight work is dropped (what landed stays, for a later resume). */
  stop(): void {
    for (const source of this.#sources) source.wire.close();
  }

  #adopt(meta: ShareMetadata, bitfield: Bitfield): void {
    this.meta = meta;
    this.bitfield = bitfield;
  }

  #onMessage(source: Source, message: WireMessage): void {
    switch (message.type) {
      case 'handshake':
        if (message.shareId !== this.shareId) source.wire.fail(WireErrorCode.ProtocolViolation, 'handshake for another share');
        return;
      case 'bitfield':
        source.rawBits = new Uint8Array(message.bits);
        if (this.meta) this.#readBitfield(source);
        else this.#requestMetadata(source);
        return;
      case 'have':
        if (source.has && message.index < source.has.length) {
          source.has.set(message.index);
          this.#fill(source);
        }
        return;
      case 'metadata-part':
        return void this.#onMetadataPart(source, message.part, message.total, message.data);
      case 'piece':
        return void this.#onPiece(source, message.index, message.data);
      case 'reject':
        if (source.inFlight.delete(message.index)) {
          this.#busy.delete(message.index);
          this.#retry.push(message.index);
        }
        return;
      case 'error':
        console.warn(`shoal: peer ${source.remoteId} closed the share: ${message.reason}`);
        return;
      default:
        return;
    }
  }

  #requestMetadata(source: Source): void {
    if (this.#metadataSource) return;
    this.#metadataSource = source;
    this.#metadataParts = [];
    source.wire.send(encodeMetadataRequest(0));
  }

  async #onMetadataPart(source: Source, part: number, total: number, data: Uint8Array): Promise<void> {
    if (source !== this.#metadataSource || this.meta) return;
    const maxParts = Math.ceil(MAX_METADATA_BYTES / METADATA_PART_BYTES);
    if (part !== this.#metadataParts.length || total === 0 || total > maxParts || (part < total - 1 && data.byteLength !== METADATA_PART_BYTES)) {
      return this.#dropSource(source, 'malformed metadata');
    }
    this.#metadataParts.push(new Uint8Array(data));
    if (part + 1 < total) {
      source.wire.send(encodeMetadataRequest(part + 1));
      return;
    }
    const encoded = new Uint8Array(this.#metadataParts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of this.#metadataParts) {
      encoded.set(p, at);
      at += p.byteLength;
    }
    this.#metadataParts = [];
    let meta: ShareMetadata;
    try {
      meta = await decodeVerifiedMetadata(encoded, this.shareId);
    } catch (error) {
      this.#metadataSource = undefined;
      return this.#dropSource(source, (error as Error).message);
    }
    try {
      await this.components.storage.allocate(this.shareId, meta.size);
    } catch (error) {
      return this.#fail(error as Error);
    }
    this.#adopt(meta, new Bitfield(chunkCount(meta.size)));
    this.components.events.onMetadata(meta, encoded);
    for (const s of this.#sources) this.#readBitfield(s);
    if (this.bitfield!.complete) void this.#finish();
  }

  #readBitfield(source: Source): void {
    if (!source.rawBits || source.has || !this.meta) return;
    try {
      source.has = new Bitfield(chunkCount(this.meta.size), source.rawBits);
    } catch (error) {
      if (error instanceof BitfieldLengthError) return this.#dropSource(source, error.message);
      throw error;
    }
    this.#fill(source);
  }

  /** Next chunk this source can give us that nobody is fetching, or -1. */
  #pick(source: Source): number {
    const has = source.has!;
    const mine = this.bitfield!;
    for (let i = 0; i < this.#retry.length; i++) {
      const index = this.#retry[i]!;
      if (has.has(index) && !this.#busy.has(index) && !mine.has(index)) {
        this.#retry.splice(i, 1);
        return index;
      }
    }
    while (this.#cursor < mine.length && (mine.has(this.#cursor) || this.#busy.has(this.#cursor))) this.#cursor++;
    for (let index = this.#cursor; index < mine.length; index++) {
      if (!mine.has(index) && !this.#busy.has(index) && has.has(index)) return index;
    }
    return -1;
  }

  #fill(source: Source): void {
    if (this.paused || !source.has || !source.wire.isOpen || !this.bitfield || this.#finished) return;
    while (source.inFlight.size < REQUESTS_IN_FLIGHT) {
      const index = this.#pick(source);
      if (index < 0) return;
      source.inFlight.add(index);
      this.#busy.add(index);
      source.wire.send(encodeRequest(index));
    }
  }

  async #onPiece(source: Source, index: number, data: Uint8Array): Promise<void> {
    if (!source.inFlight.delete(index)) return this.#dropSource(source, `sent chunk ${index} that was not requested`);
    this.#fill(source); // keep the pipe full while this chunk is verified
    const meta = this.meta!;
    const { start, end } = chunkRange(index, meta.size);
    let stored = false;
    if (data.byteLength === end - start) {
      try {
        stored = await this.components.storage.writeVerifiedChunk(this.shareId, start, data, meta.chunkHashes[index]!);
      } catch (error) {
        this.#busy.delete(index);
        return this.#fail(error as Error);
      }
    }
    this.#busy.delete(index);
    if (!stored) {
      this.#retry.push(index);
      source.badChunks++;
      if (source.badChunks >= MAX_BAD_CHUNKS) this.#dropSource(source, 'sent chunks that fail verification', WireErrorCode.Banned);
      for (const s of this.#sources) this.#fill(s);
      return;
    }
    this.bitfield!.set(index);
    this.components.events.onChunk(source.remoteId, end - start);
    if (++this.#unsaved >= BITFIELD_SAVE_EVERY) void this.#saveBitfield();
    if (this.bitfield!.complete) return void this.#finish();
    this.#fill(source);
  }

  async #saveBitfield(): Promise<void> {
    this.#unsaved = 0;
    await this.components.storage.saveBitfield(this.shareId, new Uint8Array(this.bitfield!.bytes), this.bitfield!.complete);
  }

  #finish(): Promise<void> {
    this.#finished ??= (async () => {
      try {
        await this.#saveBitfield();
        const fileHash = await this.components.storage.hashStoredShare(this.shareId);
        if (fileHash !== this.meta!.fileHash) throw new FileHashMismatchError('the finished file does not match its SHA-256; it was discarded');
        await this.components.storage.release(this.shareId);
        this.#resolveDone();
      } catch (error) {
        this.#rejectDone(error as Error);
      }
      for (const source of this.#sources) source.wire.close();
    })();
    return this.#finished;
  }

  #fail(error: Error): void {
    this.stop();
    this.#rejectDone(error);
  }

  #dropSource(source: Source, reason: string, code: number = WireErrorCode.ProtocolViolation): void {
    console.warn(`shoal: dropping peer ${source.remoteId}: ${reason}`);
    source.wire.fail(code, reason);
    this.#removeSource(source);
  }

  #removeSource(source: Source): void {
    if (!this.#sources.delete(source)) return;
    for (const index of source.inFlight) {
      this.#busy.delete(index);
      this.#retry.push(index);
    }
    source.inFlight.clear();
    if (this.#metadataSource === source) {
      this.#metadataSource = undefined;
      const next = [...this.#sources].find((s) => s.rawBits);
      if (next && !this.meta) this.#requestMetadata(next);
    }
    this.components.events.onSourcesChanged(this.#sources.size);
    for (const s of this.#sources) this.#fill(s);
  }
}
