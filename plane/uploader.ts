/**
 * Serves queued chunk requests from every leecher in turn (round robin), a few chunks per turn, so
 * one greedy leecher cannot starve the others. A turn's chunks are read from storage in one call,
 * each straight into its frame, and the frames are reused turn after turn (send() copies them), so
 * seeding allocates nothing per chunk; a channel above its high-water mark sits out until
 * `bufferedamountlow`.
 */
import { CHUNK_SIZE, chunkRange, encodeReject, PIECE_HEADER_BYTES, RejectReason, writePieceHeader } from '../protocol/index.js';
import { SENT_ELSEWHERE_MAX, SENT_ELSEWHERE_MS, UPLOAD_CHUNKS_PER_TURN } from './constants.js';
import type { RateLimiter } from './rate-limiter.js';
import { ChannelClosedError, type WireChannel } from './wire-channel.js';
import type { ChunkStorage } from './chunk-storage.js';

export interface UploadQueue {
  wire: WireChannel;
  remoteId: string;
  shareId: string;
  size: number;
  requests: number[];
  /** Chunks REJECTed to this channel as sent elsewhere (once each: asked again, they are sent). */
  sentElsewhere?: Set<number>;
  /** Waiting for the channel to drain. */
  blocked: boolean;
}

export interface UploaderComponents {
  storage: ChunkStorage;
  /** The user's upload limit, shared by every leecher. */
  limiter?: RateLimiter;
  onUploaded: (remoteId: string, shareId: string, bytes: number) => void;
  /** A share's bytes could not be read (its leecher's channel is closed either way). */
  onReadFailed?: (shareId: string, error: Error) => void;
}

export class Uploader {
  readonly #queues: UploadQueue[] = [];
  /** Per share: when each chunk was last sent, and to which channel (kept SENT_ELSEWHERE_MS). */
  readonly #sent = new Map<string, Map<number, { at: number; to: UploadQueue }>>();
  #turn = 0;
  #running = false;
  /** One turn's frames, header room included; replaced by what storage hands back. */
  #frames: Uint8Array[] = Array.from({ length: UPLOAD_CHUNKS_PER_TURN }, () => new Uint8Array(PIECE_HEADER_BYTES + CHUNK_SIZE));

  constructor(private readonly components: UploaderComponents) {}

  add(queue: UploadQueue): void {
    this.#queues.push(queue);
    void queue.wire.closed.then(() => this.remove(queue));
  }

  remove(queue: UploadQueue): void {
    const at = this.#queues.indexOf(queue);
    if (at >= 0) this.#queues.splice(at, 1);
    queue.requests.length = 0;
    if (!this.#queues.some((q) => q.shareId === queue.shareId)) this.#sent.delete(queue.shareId);
  }

  /**
   * A flash crowd: chunks another channel of the same share got moments ago are REJECTed (once per
   * chunk and channel), so that peer passes them on and this upload goes to chunks nobody has yet.
   * Only where a share has several leechers; what remains is sent.
   */
  #notSentElsewhere(queue: UploadQueue, indices: number[]): number[] {
    const sent = this.#sent.get(queue.shareId);
    if (!sent) return indices;
    const now = performance.now();
    return indices.filter((index) => {
      const last = sent.get(index);
      if (!last || last.to === queue || !last.to.wire.isOpen || now - last.at > SENT_ELSEWHERE_MS || queue.sentElsewhere?.has(index)) return true;
      (queue.sentElsewhere ??= new Set()).add(index);
      queue.wire.send(encodeReject(index, RejectReason.SentElsewhere));
      return false;
    });
  }

  #sentTo(queue: UploadQueue, index: number): void {
    if (!this.#queues.some((q) => q !== queue && q.shareId === queue.shareId)) return; // one leecher: nothing to spare
    let sent = this.#sent.get(queue.shareId);
    if (!sent) this.#sent.set(queue.shareId, (sent = new Map()));
    const now = performance.now();
    // Kept in the order sent (a resend moves to the end), so what is too old to matter is in front.
    sent.delete(index);
    sent.set(index, { at: now, to: queue });
    for (const [i, last] of sent) {
      if (sent.size <= SENT_ELSEWHERE_MAX && now - last.at <= SENT_ELSEWHERE_MS) break;
      sent.delete(i);
    }
  }

  /** Call after adding requests to a queue. */
  kick(): void {
    if (!this.#running) void this.#run();
  }

  #nextQueue(): UploadQueue | undefined {
    for (let i = 0; i < this.#queues.length; i++) {
      const queue = this.#queues[(this.#turn + i) % this.#queues.length]!;
      if (queue.requests.length > 0 && !queue.blocked && queue.wire.isOpen) {
        this.#turn = (this.#turn + i + 1) % this.#queues.length;
        return queue;
      }
    }
    return undefined;
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      for (let queue = this.#nextQueue(); queue; queue = this.#nextQueue()) {
        // As many chunks as the channel has room for (at least one, at most a turn's worth).
        const take = Math.min(UPLOAD_CHUNKS_PER_TURN, Math.max(1, Math.ceil(queue.wire.room / CHUNK_SIZE)));
        const indices = this.#notSentElsewhere(queue, queue.requests.splice(0, take));
        if (indices.length === 0) continue;
        const ranges = indices.map((index) => chunkRange(index, queue!.size));
        const limiter = this.components.limiter;
        if (limiter) {
          const bytes = ranges.reduce((n, r) => n + r.end - r.start, 0);
          for (let wait = limiter.tryTake(bytes); wait > 0; wait = limiter.tryTake(bytes)) await new Promise((r) => setTimeout(r, wait));
        }
        let chunks: Uint8Array[];
        try {
          chunks = await this.components.storage.readChunks(
            queue.shareId,
            ranges.map(({ start, end }) => ({ offset: start, length: end - start })),
            PIECE_HEADER_BYTES,
            this.#frames,
          );
          // Across a worker boundary the frames come back as new buffers: those are kept instead.
          chunks.forEach((chunk, i) => {
            if (chunk.buffer.byteLength === PIECE_HEADER_BYTES + CHUNK_SIZE) this.#frames[i] = new Uint8Array(chunk.buffer);
          });
        } catch (error) {
          console.warn('shoal: could not read chunks to upload', error);
          queue.wire.close();
          this.components.onReadFailed?.(queue.shareId, error as Error);
          continue;
        }
        let mayContinue = true;
        for (const [i, index] of indices.entries()) {
          if (!queue.wire.isOpen) break;
          try {
            // Past the high-water mark by at most the rest of this turn: a few chunks, by design.
            mayContinue = queue.wire.send(writePieceHeader(chunks[i]!, index));
          } catch (error) {
            if (error instanceof ChannelClosedError) break;
            throw error;
          }
          this.components.onUploaded(queue.remoteId, queue.shareId, ranges[i]!.end - ranges[i]!.start);
          this.#sentTo(queue, index);
        }
        if (!mayContinue && queue.wire.isOpen) {
          queue.blocked = true;
          const blocked = queue;
          blocked.wire.drain().then(
            () => {
              blocked.blocked = false;
              this.kick();
            },
            () => this.remove(blocked),
          );
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
