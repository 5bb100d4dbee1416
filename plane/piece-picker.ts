/**
 * Chooses which chunk to ask a peer for: rarest first among the next missing chunks (equally rare
 * ones in order, or at random in a crowd), never one already requested (until the endgame, when every missing chunk is requested somewhere and the
 * stragglers are asked of a second peer). Chunks someone is reading right now (a video playing
 * while it downloads) come first, in order. Pure bookkeeping: no I/O, no timers.
 */
import type { Bitfield } from '../protocol/index.js';

/**
 * How many eligible chunks past the lowest missing one are compared for rarity. Scanning a bounded
 * window keeps a pick O(window) on a 1M-chunk file while still spreading peers over rare chunks.
 */
export const PICK_WINDOW = 512;

export class PiecePicker {
  /** How many connected peers hold each chunk. */
  readonly availability: Uint16Array;
  /** How many of them are partial (downloading it too, not seeders): a crowd passes chunks on among itself. */
  readonly #partial: Uint16Array;
  /** How many requests are outstanding for each chunk (more than one only in endgame). */
  readonly #requested: Uint8Array;
  #requestedCount = 0;
  /** No chunk below this index is both missing and unrequested. */
  #cursor = 0;
  /** No chunk below this index is missing (only grows: a verified chunk stays ours). */
  #firstMissing = 0;
  /** Streaming priorities, by reader: chunks [from, to) are picked first, in order. */
  readonly #urgent = new Map<number, { from: number; to: number }>();

  /**
   * Other leechers of this share are about (a partial peer came, or a seeder said it sent a chunk
   * elsewhere): equally rare chunks are picked at random from now on.
   */
  crowd = false;

  constructor(
    readonly mine: Bitfield,
    /** Breaks ties in a crowd (injectable for tests). */
    private readonly random: () => number = Math.random,
  ) {
    this.availability = new Uint16Array(mine.length);
    this.#partial = new Uint16Array(mine.length);
    this.#requested = new Uint8Array(mine.length);
  }

  get remaining(): number {
    return this.mine.length - this.mine.count;
  }

  /** True once every missing chunk has a request out: time to duplicate the stragglers. */
  get endgame(): boolean {
    return this.remaining > 0 && this.#requestedCount >= this.remaining;
  }

  /** A peer's chunks count from now on; `partial`: it is not a seeder (it was missing chunks when it came). */
  peerAdded(theirs: Bitfield, partial = false): void {
    for (let i = 0; i < theirs.length; i++) {
      if (!theirs.has(i)) continue;
      this.availability[i]!++;
      if (partial) this.#partial[i]!++;
    }
  }

  peerRemoved(theirs: Bitfield, partial = false): void {
    for (let i = 0; i < theirs.length; i++) {
      if (!theirs.has(i)) continue;
      if (this.availability[i]! > 0) this.availability[i]!--;
      if (partial && this.#partial[i]! > 0) this.#partial[i]!--;
    }
  }

  peerHas(index: number, partial = false): void {
    this.availability[index]!++;
    if (partial) this.#partial[index]!++;
  }

  /** Reader `key` needs chunks [from, to) next: they go before every other chunk, in order. */
  prioritize(key: number, from: number, to: number): void {
    this.#urgent.set(key, { from: Math.max(0, from), to: Math.min(this.mine.length, to) });
  }

  /** Reader `key` went away (or moved on): its chunks are ordinary again. */
  deprioritize(key: number): void {
    this.#urgent.delete(key);
  }

  /** The streaming priorities in force, for tests and the transfer list. */
  get priorities(): { from: number; to: number }[] {
    return [...this.#urgent.values()];
  }

  /**
   * The first missing, unrequested chunk a reader waits for that `theirs` holds, else the rarest one,
   * or -1. With `spareSeeder` (`theirs` is a seeder's, and partial peers are connected too), chunks a
   * partial peer already holds are left to them: a seeder's upload goes to chunks the crowd lacks,
   * not to copies of what it can pass on itself (what stays unrequested ends up in the endgame).
   * `skip` leaves out chunks this peer asked us not to ask for now (REJECT 4).
   */
  next(theirs: Bitfield, spareSeeder = false, skip?: (index: number) => boolean): number {
    const mine = this.mine;
    for (const { from, to } of this.#urgent.values()) {
      for (let i = from; i < to; i++) if (!mine.has(i) && this.#requested[i]! === 0 && theirs.has(i)) return i;
    }
    while (this.#cursor < mine.length && (mine.has(this.#cursor) || this.#requested[this.#cursor]! > 0)) this.#cursor++;
    // Equally rare chunks go in order, so a download that lands in order keeps its whole-file hash up
    // from memory (random order made 1→1 read the file back: 0.90× -> 0.68× the raw channel here);
    // in a crowd they go at random, so that leechers ask their seeder for different chunks.
    let best = -1;
    let bestAvailability = Infinity;
    let ties = 0;
    let seen = 0;
    for (let i = this.#cursor; i < mine.length && seen < PICK_WINDOW; i++) {
      if (mine.has(i) || this.#requested[i]! > 0 || !theirs.has(i) || (spareSeeder && this.#partial[i]! > 0) || skip?.(i)) continue;
      seen++;
      const availability = this.availability[i]!;
      if (availability < bestAvailability) {
        best = i;
        bestAvailability = availability;
        ties = 1;
        if (availability <= 1 && !this.crowd) break; // nothing is rarer than a single holder
      } else if (this.crowd && availability === bestAvailability && this.random() * ++ties < 1) best = i;
    }
    return best;
  }

  /**
   * In endgame: a missing chunk `theirs` holds that has exactly one request out and that `eligible`
   * accepts (the caller skips chunks it already asked this peer for, or whose request is still young).
   */
  nextDuplicate(theirs: Bitfield, eligible: (index: number) => boolean): number {
    if (!this.endgame) return -1;
    while (this.#firstMissing < this.mine.length && this.mine.has(this.#firstMissing)) this.#firstMissing++;
    for (let i = this.#firstMissing; i < this.mine.length; i++) {
      if (!this.mine.has(i) && this.#requested[i]! === 1 && theirs.has(i) && eligible(i)) return i;
    }
    return -1;
  }

  markRequested(index: number): void {
    if (this.#requested[index]! === 0) this.#requestedCount++;
    this.#requested[index]!++;
  }

  /** A request ended without the chunk (rejected, timed out, peer gone, bad data). */
  release(index: number): void {
    if (this.#requested[index]! === 0) return;
    this.#requested[index]!--;
    if (this.#requested[index]! === 0) {
      this.#requestedCount--;
      if (index < this.#cursor) this.#cursor = index;
    }
  }

  /** The chunk arrived and was verified: it is ours, every request for it is done. */
  received(index: number): void {
    if (this.#requested[index]! > 0) this.#requestedCount--;
    this.#requested[index] = 0;
    this.mine.set(index);
  }
}

/**
 * Requests to keep in flight to one peer: enough to cover `targetMs` of its measured throughput,
 * between `min` (so a new or slow peer still pipelines) and `max` (so one peer cannot hoard the
 * tail of the file).
 */
export function pipelineDepth(bytesPerSecond: number, chunkSize: number, options: { min: number; max: number; targetMs: number }): number {
  const depth = Math.ceil((bytesPerSecond * options.targetMs) / 1000 / chunkSize);
  return Math.max(options.min, Math.min(options.max, Number.isFinite(depth) ? depth : options.min));
}
