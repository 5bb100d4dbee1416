/** Bytes per second over a sliding window. Pure: the caller passes the clock. */
export class SpeedMeter {
  readonly #samples: { at: number; bytes: number }[] = [];
  #total = 0;

  constructor(readonly windowMs: number) {}

  add(bytes: number, now: number): void {
    this.#samples.push({ at: now, bytes });
    this.#total += bytes;
    this.#trim(now);
  }

  /** Bytes per second over the window ending at `now`. */
  rate(now: number): number {
    this.#trim(now);
    if (this.#samples.length === 0) return 0;
    const span = Math.max(now - this.#samples[0]!.at, 250);
    return (this.#total * 1000) / span;
  }

  #trim(now: number): void {
    while (this.#samples.length > 0 && this.#samples[0]!.at < now - this.windowMs) this.#total -= this.#samples.shift()!.bytes;
  }
}

/** Seconds left at `bytesPerSecond`, or null when unknown. */
export function etaSeconds(remainingBytes: number, bytesPerSecond: number): number | null {
  if (remainingBytes <= 0) return 0;
  if (bytesPerSecond <= 0) return null;
  return Math.ceil(remainingBytes / bytesPerSecond);
}
