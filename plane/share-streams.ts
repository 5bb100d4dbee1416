/**
 * Readers of shares still downloading, for the service worker's `/files/` responses (the contract is
 * protocol/stream-port.ts). Each reader answers pulls with the next stored bytes, waits for chunks
 * not stored yet, and keeps the download's streaming priority on the chunks just ahead of it, so a
 * video plays (and seeks) long before the download ends. A reader that goes quiet is dropped.
 */
import { type Bitfield, CHUNK_SIZE, parseStreamRequest, STREAM_AHEAD_CHUNKS, STREAM_PIECE_BYTES, type StreamReply } from '../protocol/index.js';

/** A reader with no pull for this long is gone (its service worker stopped without a word). */
export const STREAM_IDLE_MS = 120_000;

/** What the readers need of the data plane. */
export interface StreamHost {
  /** A share held here, whole or in part (its bitfield is live), or undefined. */
  share(shareId: string): { size: number; bitfield: Bitfield } | undefined;
  readBytes(shareId: string, offset: number, length: number): Promise<Uint8Array>;
  prioritize(shareId: string, key: number, fromChunk: number, toChunk: number): void;
  deprioritize(shareId: string, key: number): void;
}

interface Reader {
  key: number;
  shareId: string;
  port: MessagePort;
  position: number;
  end: number | undefined;
  /** A pull waits for its answer. */
  wanted: boolean;
  reading: boolean;
  /** The chunk whose landing would let the pending pull go on. */
  waitingFor: number;
  idle: ReturnType<typeof setTimeout> | undefined;
}

export class ShareStreams {
  #nextKey = 1;
  readonly #readers = new Map<number, Reader>();

  constructor(
    private readonly host: StreamHost,
    private readonly idleMs = STREAM_IDLE_MS,
  ) {}

  get size(): number {
    return this.#readers.size;
  }

  /** A service worker asks to read `shareId` over `port`: accepted if the share is held here. */
  open(shareId: string, port: MessagePort): void {
    if (!this.host.share(shareId)) {
      send(port, { type: 'refuse' });
      port.close();
      return;
    }
    const reader: Reader = { key: this.#nextKey++, shareId, port, position: 0, end: undefined, wanted: false, reading: false, waitingFor: -1, idle: undefined };
    this.#readers.set(reader.key, reader);
    port.onmessage = (event: MessageEvent) => this.#onMessage(reader, event.data);
    this.#touch(reader);
    send(port, { type: 'accept' });
  }

  /** A chunk of `shareId` was stored: readers waiting for it go on. */
  landed(shareId: string, index: number): void {
    if (this.#readers.size === 0) return;
    for (const reader of this.#readers.values()) if (reader.shareId === shareId && reader.waitingFor === index) this.#serve(reader);
  }

  /** The download of `shareId` ended, or the share went: with a reason, its readers get it; else they read on. */
  ended(shareId: string, reason?: string): void {
    for (const reader of [...this.#readers.values()]) {
      if (reader.shareId !== shareId) continue;
      if (reason) this.#fail(reader, reason);
      else this.#serve(reader);
    }
  }

  /** Drops every reader (the plane stops). */
  closeAll(): void {
    for (const reader of [...this.#readers.values()]) this.#fail(reader, 'the data plane stopped');
  }

  #onMessage(reader: Reader, data: unknown): void {
    const request = parseStreamRequest(data);
    if (!request) return this.#fail(reader, 'malformed stream request');
    this.#touch(reader);
    switch (request.type) {
      case 'read': {
        const share = this.host.share(reader.shareId);
        if (reader.end !== undefined) return this.#fail(reader, 'a second read on one stream');
        if (!share || request.end > share.size) return this.#fail(reader, 'that range is beyond the share');
        reader.position = request.start;
        reader.end = request.end;
        return this.#keepAhead(reader, share.bitfield);
      }
      case 'pull':
        if (reader.end === undefined || reader.position >= reader.end) return this.#fail(reader, 'pull with nothing left to read');
        if (reader.wanted) return this.#fail(reader, 'a second pull before the first was answered');
        reader.wanted = true;
        return this.#serve(reader);
      case 'cancel':
        return this.#close(reader);
    }
  }

  /** Streaming priority on the chunks from the reader's position on. */
  #keepAhead(reader: Reader, bitfield: Bitfield): void {
    if (bitfield.complete) return this.host.deprioritize(reader.shareId, reader.key);
    const first = Math.floor(reader.position / CHUNK_SIZE);
    this.host.prioritize(reader.shareId, reader.key, first, first + STREAM_AHEAD_CHUNKS);
  }

  /** Answers a pending pull with the stored bytes from the position on, or waits for the next chunk. */
  #serve(reader: Reader): void {
    if (!reader.wanted || reader.reading || reader.end === undefined) return;
    const share = this.host.share(reader.shareId);
    if (!share) return this.#fail(reader, 'the share is no longer held here');
    this.#keepAhead(reader, share.bitfield);
    const limit = Math.min(reader.end, reader.position + STREAM_PIECE_BYTES);
    let stop = reader.position;
    for (let index = Math.floor(stop / CHUNK_SIZE); stop < limit && share.bitfield.has(index); index++) stop = Math.min(limit, (index + 1) * CHUNK_SIZE);
    if (stop === reader.position) {
      reader.waitingFor = Math.floor(stop / CHUNK_SIZE);
      return;
    }
    reader.waitingFor = -1;
    reader.reading = true;
    this.host.readBytes(reader.shareId, reader.position, stop - reader.position).then(
      (data) => {
        reader.reading = false;
        if (!this.#readers.has(reader.key)) return;
        reader.wanted = false;
        reader.position = stop;
        send(reader.port, { type: 'bytes', data }, [data.buffer as ArrayBuffer]);
      },
      (error: Error) => {
        reader.reading = false;
        this.#fail(reader, `reading the share failed: ${error.message}`);
      },
    );
  }

  #touch(reader: Reader): void {
    clearTimeout(reader.idle);
    reader.idle = setTimeout(() => this.#close(reader), this.idleMs);
  }

  #fail(reader: Reader, message: string): void {
    if (this.#readers.has(reader.key)) send(reader.port, { type: 'error', message });
    this.#close(reader);
  }

  #close(reader: Reader): void {
    if (!this.#readers.delete(reader.key)) return;
    clearTimeout(reader.idle);
    reader.port.onmessage = null;
    reader.port.close();
    this.host.deprioritize(reader.shareId, reader.key);
  }
}

function send(port: MessagePort, reply: StreamReply, transfer: Transferable[] = []): void {
  port.postMessage(reply, transfer);
}
