/** A token bucket: `capacity` tokens, refilled at `perSecond`; take() says whether one was available. */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = capacity;
    this.#updatedAt = now();
  }

  take(count = 1): boolean {
    this.#refill();
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }

  /**
   * Takes `count` tokens even when fewer are left: the bucket goes into debt, and take() and
   * hasCredit() fail until the refill has paid it back. For costs known only after the act.
   */
  spend(count: number): void {
    this.#refill();
    this.#tokens -= count;
  }

  /** True while any token is left (the bucket is not empty or in debt). */
  hasCredit(): boolean {
    this.#refill();
    return this.#tokens > 0;
  }

  /** True once every token is back: a bucket in this state can be forgotten and made anew. */
  isFull(): boolean {
    this.#refill();
    return this.#tokens >= this.capacity;
  }

  #refill(): void {
    const now = this.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#updatedAt) / 1000) * this.perSecond);
    this.#updatedAt = now;
  }
}
