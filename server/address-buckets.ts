/**
 * One token bucket per client address, made on first use and forgotten once full again (a full
 * bucket is the same as a new one), so the map holds only addresses that were active lately.
 */
import { TokenBucket } from './token-bucket.js';

export class AddressBuckets {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#buckets.size;
  }

  for(address: string): TokenBucket {
    let bucket = this.#buckets.get(address);
    if (!bucket) {
      bucket = new TokenBucket(this.capacity, this.perSecond, this.now);
      this.#buckets.set(address, bucket);
    }
    return bucket;
  }

  /** Forgets the buckets that are full again. */
  sweep(): void {
    for (const [address, bucket] of this.#buckets) if (bucket.isFull()) this.#buckets.delete(address);
  }
}
