/**
 * Channels handed to the data plane, by token (a channel itself cannot come back from a worker):
 * each holds its peer connection open until the plane says the channel closed.
 */
export class ChannelTokens {
  readonly #releases = new Map<number, () => void>();
  #next = 0;

  /** A token for a channel whose `release` lets its connection go. */
  hold(release: () => void): number {
    const token = this.#next++;
    this.#releases.set(token, release);
    return token;
  }

  /** The plane says the channel of `token` closed. */
  closed(token: number): void {
    this.#releases.get(token)?.();
    this.#releases.delete(token);
  }
}
