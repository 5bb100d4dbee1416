/**
 * Log lines a remote party can trigger (a bad datagram, a refused peer) go through here: at most
 * `perWindow` lines per window, then one line saying how many were suppressed. A flood of hostile
 * datagrams thus costs the disk a few lines, not one line each.
 */
export interface RateLimitedLogOptions {
  /** Put before every line, e.g. "turn" or "stun". */
  prefix: string;
  now?: () => number;
  perWindow?: number;
  windowMs?: number;
}

export class RateLimitedLog {
  #windowStart = -Infinity;
  #lines = 0;
  #suppressed = 0;
  readonly #now: () => number;
  readonly #perWindow: number;
  readonly #windowMs: number;

  constructor(
    private readonly write: (line: string) => void,
    private readonly options: RateLimitedLogOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#perWindow = options.perWindow ?? 20;
    this.#windowMs = options.windowMs ?? 10_000;
  }

  line(text: string): void {
    const now = this.#now();
    if (now - this.#windowStart > this.#windowMs) {
      if (this.#suppressed > 0) this.write(`${this.options.prefix}: ${this.#suppressed} log lines suppressed`);
      this.#windowStart = now;
      this.#lines = 0;
      this.#suppressed = 0;
    }
    if (this.#lines++ < this.#perWindow) this.write(`${this.options.prefix}: ${text}`);
    else this.#suppressed++;
  }
}
