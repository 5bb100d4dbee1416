/**
 * An optional bytes-per-second limit (token bucket). `tryTake(n)` either takes n bytes' worth of
 * tokens and returns 0, or takes nothing and returns how many milliseconds until it could. With no
 * rate set it never waits. The bucket holds a quarter second of traffic (at least 256 KiB, enough for
 * a few chunks), so a limit is smooth without starving a sender of whole chunks. A request larger
 * than the bucket goes once the bucket is full and leaves it in debt, so a low limit still passes
 * whole chunks, on average at the rate.
 */

/** The user's limits in bytes per second; null means none. */
export interface RateLimits {
  upload: number | null;
  download: number | null;
}

const MIN_BURST_BYTES = 256 * 1024;
const BURST_SECONDS = 0.25;

export class RateLimiter {
  #rate: number | null = null;
  #tokens = 0;
  #last: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.#last = now();
  }

  /** Bytes per second, or null for no limit. */
  get rate(): number | null {
    return this.#rate;
  }

  set rate(bytesPerSecond: number | null) {
    if (bytesPerSecond !== null && !(Number.isFinite(bytesPerSecond) && bytesPerSecond > 0)) throw new RangeError(`bad rate ${bytesPerSecond}`);
    this.#rate = bytesPerSecond;
    this.#last = this.now();
    this.#tokens = bytesPerSecond === null ? 0 : this.#burst();
  }

  tryTake(bytes: number): number {
    const rate = this.#rate;
    if (rate === null) return 0;
    const now = this.now();
    this.#tokens = Math.min(this.#burst(), this.#tokens + ((now - this.#last) / 1000) * rate);
    this.#last = now;
    // A request larger than the bucket may go once the bucket is full.
    const need = Math.min(bytes, this.#burst());
    if (this.#tokens >= need) {
      this.#tokens -= bytes;
      return 0;
    }
    return Math.ceil(((need - this.#tokens) / rate) * 1000);
  }

  #burst(): number {
    return Math.max(MIN_BURST_BYTES, (this.#rate ?? 0) * BURST_SECONDS);
  }
}
