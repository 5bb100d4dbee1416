/**
 * Gathers a download's verified chunks that follow one another on disk into one write of up to
 * RUN_BYTES. Every write to OPFS costs a call into the browser process where storage lives there
 * (a private window keeps OPFS in the browser process's memory: each 64 KiB write was a round trip
 * of its own), so one write per 16 chunks instead of one per chunk takes most of what a private
 * window's download cost beyond a normal one.
 *
 * `add` settles when its chunk is on disk, never before: the caller (the data plane, which keeps up
 * to MAX_UNVERIFIED_CHUNKS writes going at once) counts a chunk as held only then, so a failed write
 * (a full disk) fails the call of every chunk of its run and nothing is counted that is not on disk.
 * A run is written when it is full, when a chunk that does not follow it comes, IDLE_MS after its
 * last chunk (the end of a download, a pause, a slow link), and on `flush()` (the page going away). `onStored` (the
 * bitfield mark and the running whole-file hash) runs for each chunk, in order, once it is written.
 */

/** The size of one write: 16 chunks of 64 KiB. */
export const RUN_BYTES = 1024 * 1024;
/** A run waits no longer than this after its last chunk before it is written. */
export const IDLE_MS = 20;

interface Waiting {
  index: number;
  data: Uint8Array;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Run {
  /** File offset of the run's first byte. */
  start: number;
  /** File offset just past its last byte. */
  end: number;
  chunks: Waiting[];
}

export class WriteBehind {
  #run: Run | undefined;
  #buffer: Uint8Array | undefined;
  /** The last step taken: the next one waits for it. */
  #tail: Promise<void> = Promise.resolve();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** Writes `bytes` at `offset`, whole, or throws. */
    private readonly write: (offset: number, bytes: Uint8Array) => Promise<void>,
    /** Chunk `index` (`data`) is on disk now. Called in order, synchronously after its write. */
    private readonly onStored: (index: number, data: Uint8Array) => void,
  ) {}

  /** Takes chunk `index`, whose bytes `data` belong at `offset`; settles once it is written (or its write failed). */
  add(index: number, offset: number, data: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      void this.#queue(async () => {
        const chunk = { index, data, resolve, reject };
        const run = this.#run;
        if (run && offset === run.end && run.end - run.start + data.byteLength <= RUN_BYTES) {
          run.chunks.push(chunk);
          run.end += data.byteLength;
        } else {
          await this.#writeRun();
          this.#run = { start: offset, end: offset + data.byteLength, chunks: [chunk] };
        }
        if (this.#run!.end - this.#run!.start >= RUN_BYTES) await this.#writeRun();
        else {
          clearTimeout(this.#idleTimer);
          this.#idleTimer = setTimeout(() => void this.#queue(() => this.#writeRun()), IDLE_MS);
        }
      });
    });
  }

  /** Writes whatever is gathered now; settles when it is written or failed (the failure goes to its chunks' calls). */
  flush(): Promise<void> {
    return this.#queue(() => this.#writeRun());
  }

  /** Forgets what is gathered, unwritten (the download is removed): those chunks' calls fail with `reason`. */
  discard(reason: Error): void {
    clearTimeout(this.#idleTimer);
    for (const chunk of this.#run?.chunks ?? []) chunk.reject(reason);
    this.#run = undefined;
    this.#buffer = undefined;
  }

  /** Steps are taken one at a time; they do not throw (a write's failure belongs to its chunks). */
  #queue(step: () => Promise<void>): Promise<void> {
    this.#tail = this.#tail.then(step);
    return this.#tail;
  }

  async #writeRun(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const run = this.#run;
    if (!run) return;
    this.#run = undefined;
    let bytes: Uint8Array;
    if (run.chunks.length === 1) bytes = run.chunks[0]!.data;
    else {
      this.#buffer ??= new Uint8Array(RUN_BYTES);
      bytes = this.#buffer.subarray(0, run.end - run.start);
      let at = 0;
      for (const { data } of run.chunks) {
        bytes.set(data, at);
        at += data.byteLength;
      }
    }
    try {
      await this.write(run.start, bytes);
    } catch (error) {
      for (const chunk of run.chunks) chunk.reject(error);
      return;
    }
    for (const chunk of run.chunks) {
      try {
        this.onStored(chunk.index, chunk.data);
        chunk.resolve();
      } catch (error) {
        chunk.reject(error);
      }
    }
  }
}
