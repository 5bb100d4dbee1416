/**
 * Writes a download's verified chunks, gathering those that follow one another on disk into one
 * write of up to RUN_BYTES where a write call is dear. Where OPFS lives in the browser process (a
 * private window keeps it there, in memory) every write is a round trip to that process: measured
 * here (Chromium 156), about 1 ms for a 64 KiB write against 0.04–0.08 ms in a normal window's
 * file, and 3.8–4.5 ms for 1 MiB against 0.35. Gathering 16 chunks there takes most of what a
 * private window's download cost beyond a normal one. In a normal window it saves a fraction of a
 * millisecond per MiB, costs a copy, and holds every chunk back (a chunk counts as held, is
 * announced and can be served only once written) for up to 15 more chunks or IDLE_MS; the transfer
 * bench found it no faster there (warm 1→1, per-round medians 0.76x the raw channel gathering,
 * 0.765x writing each chunk as it came, interleaved), so there each chunk is written at once. Which
 * of the two a store is, the writes themselves tell: a write's call cost is its time beyond what
 * its bytes take in a normal window's file (NORMAL_WRITE_MS_PER_MIB); once the median of the last
 * WRITE_SAMPLES writes' call costs passes SLOW_CALL_MS, runs gather, and below it they do not. A
 * median, not a mean: on a busy machine a normal window's write now and then takes milliseconds
 * (the thread is descheduled while it writes), and a worker's clock ticks in 0.1 ms.
 *
 * `add` settles when its chunk is on disk, never before: the caller (the data plane, which keeps up
 * to MAX_UNVERIFIED_CHUNKS writes going at once) counts a chunk as held only then, so a failed write
 * (a full disk) fails the call of every chunk of its run and nothing is counted that is not on disk.
 * A gathered run is written when it is full, when a chunk that does not follow it comes, IDLE_MS
 * after its last chunk (the end of a download, a pause, a slow link), and on `flush()` (the page
 * going away). `onStored` (the bitfield mark and the running whole-file hash) runs for each chunk,
 * in order, once it is written.
 */

/** The size of one gathered write: 16 chunks of 64 KiB. */
export const RUN_BYTES = 1024 * 1024;
/** A run waits no longer than this after its last chunk before it is written. */
export const IDLE_MS = 20;
/** What a MiB takes to write at most in a normal window's file (0.35 ms measured, idle). */
export const NORMAL_WRITE_MS_PER_MIB = 0.5;
/**
 * Writes gather once a write's call cost (the median of the last WRITE_SAMPLES) passes this:
 * between a normal window's file (0–0.3 ms on a busy machine) and a store in the browser process
 * (about 0.9 ms a call).
 */
export const SLOW_CALL_MS = 0.5;
/** Writes whose time the choice is made from (odd: the median is one of them). */
export const WRITE_SAMPLES = 15;

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
  /** Recent writes' call costs (ms), oldest first: at most WRITE_SAMPLES. */
  readonly #callCosts: number[] = [];
  #gathering = false;

  constructor(
    /** Writes `bytes` at `offset`, whole, or throws. */
    private readonly write: (offset: number, bytes: Uint8Array) => Promise<void>,
    /** Chunk `index` (`data`) is on disk now. Called in order, synchronously after its write. */
    private readonly onStored: (index: number, data: Uint8Array) => void,
    /** The clock the writes are timed with. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether chunks are gathered into runs (writes here have proven dear), or written as they come. */
  get gathering(): boolean {
    return this.#gathering;
  }

  /** A write of `bytes` took `ms`: what its call cost beyond its bytes counts towards gathering. */
  #timed(ms: number, bytes: number): void {
    if (this.#callCosts.push(ms - (bytes / 2 ** 20) * NORMAL_WRITE_MS_PER_MIB) > WRITE_SAMPLES) this.#callCosts.shift();
    // The median is past SLOW_CALL_MS when more than half of the costs are.
    this.#gathering = 2 * this.#callCosts.filter((cost) => cost > SLOW_CALL_MS).length > this.#callCosts.length;
  }

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
        if (!this.gathering || this.#run!.end - this.#run!.start >= RUN_BYTES) await this.#writeRun();
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
      const startedAt = this.now();
      await this.write(run.start, bytes);
      this.#timed(this.now() - startedAt, bytes.byteLength);
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
