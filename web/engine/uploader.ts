/**
 * Serves queued chunk requests from every leecher in turn (round robin), one chunk at a time per
 * turn, so one greedy leecher cannot starve the others. Each chunk is read from storage straight
 * into its frame; a channel above its high-water mark sits out until `bufferedamountlow`.
 */
import { chunkRange, PIECE_HEADER_BYTES, writePieceHeader } from '../../protocol/index.js';
import { ChannelClosedError, type WireChannel } from './wire-channel.js';
import type { StorageApi } from './workers.js';

export interface UploadQueue {
  wire: WireChannel;
  remoteId: string;
  shareId: string;
  size: number;
  requests: number[];
  /** Waiting for the channel to drain. */
  blocked: boolean;
}

export interface UploaderComponents {
  storage: StorageApi;
  onUploaded: (remoteId: string, shareId: string, bytes: number) => void;
}

export class Uploader {
  readonly #queues: UploadQueue[] = [];
  #turn = 0;
  #running = false;

  constructor(private readonly components: UploaderComponents) {}

  add(queue: UploadQueue): void {
    this.#queues.push(queue);
    void queue.wire.closed.then(() => this.remove(queue));
  }

  remove(queue: UploadQueue): void {
    const at = this.#queues.indexOf(queue);
    if (at >= 0) this.#queues.splice(at, 1);
    queue.requests.length = 0;
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
        const index = queue.requests.shift()!;
        const { start, end } = chunkRange(index, queue.size);
        let frame: Uint8Array;
        try {
          frame = writePieceHeader(await this.components.storage.readChunk(queue.shareId, start, end - start, PIECE_HEADER_BYTES), index);
        } catch (error) {
          console.warn('shoal: could not read a chunk to upload', error);
          queue.wire.close();
          continue;
        }
        if (!queue.wire.isOpen) continue;
        let mayContinue: boolean;
        try {
          mayContinue = queue.wire.send(frame);
        } catch (error) {
          if (error instanceof ChannelClosedError) continue;
          throw error;
        }
        this.components.onUploaded(queue.remoteId, queue.shareId, end - start);
        if (!mayContinue) {
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
