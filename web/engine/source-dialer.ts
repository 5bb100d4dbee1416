/**
 * Which peers a download pulls from, and when to try one again: each holder is dialed once (a
 * source that is connecting counts), a source that sent bad data or broke the protocol is never
 * asked again for that share, and one that failed or went away is dialed again after a backoff
 * (RETRY_MIN_MS doubling to RETRY_MAX_MS) while it still holds the share. A download's dialing
 * lives until its AbortSignal aborts, which also cancels the retries it has pending.
 */
import type { SourceEndReason } from '../../plane/download.js';
import { isError } from '../../plane/chunk-storage.js';
import { NotAuthenticatedError } from '../../plane/private-gate.js';
import { RETRY_MAX_MS, RETRY_MIN_MS } from './constants.js';

export interface SourceDialerOptions {
  /** Opens a channel to `remoteId` for `shareId` and hands it to the data plane; throws with the reason if it cannot. */
  connect: (shareId: string, remoteId: string) => Promise<void>;
  /** Whether the room still says `remoteId` holds `shareId`. */
  holds: (shareId: string, remoteId: string) => boolean;
  /** A source ended (connecting or later); `banned` when it will not be asked again. */
  onEnded: (shareId: string, remoteId: string, reason: SourceEndReason, detail: string, banned: boolean) => void;
  retryMinMs?: number;
  retryMaxMs?: number;
}

interface Dialing {
  signal: AbortSignal;
  /** Peers connecting or connected for this download. */
  sources: Set<string>;
}

export class SourceDialer {
  /** `${shareId}:${peerId}` of peers that sent bad data or broke the protocol. */
  readonly #banned = new Set<string>();
  /** Failed attempts per `${shareId}:${peerId}` since its last success: sets the backoff. */
  readonly #failures = new Map<string, number>();
  readonly #downloads = new Map<string, Dialing>();

  constructor(private readonly options: SourceDialerOptions) {}

  /** Starts dialing for a download of `shareId`, until `signal` aborts. */
  open(shareId: string, signal: AbortSignal): void {
    const dialing: Dialing = { signal, sources: new Set() };
    this.#downloads.set(shareId, dialing);
    signal.addEventListener('abort', () => this.#downloads.get(shareId) === dialing && this.#downloads.delete(shareId), { once: true });
  }

  isBanned(shareId: string, remoteId: string): boolean {
    return this.#banned.has(`${shareId}:${remoteId}`);
  }

  /** Dials `remoteId` for a running download, unless it is banned or already a source. */
  async dial(shareId: string, remoteId: string): Promise<void> {
    const dialing = this.#downloads.get(shareId);
    const key = `${shareId}:${remoteId}`;
    if (!dialing || dialing.signal.aborted || this.#banned.has(key) || dialing.sources.has(remoteId)) return;
    dialing.sources.add(remoteId);
    try {
      await this.options.connect(shareId, remoteId);
      this.#failures.delete(key);
    } catch (error) {
      // A private share's proof that failed (an intercepted connection) is not tried again.
      const reason = isError(error, NotAuthenticatedError) ? 'protocol' : 'unreachable';
      if (this.#downloads.get(shareId) === dialing) this.ended(shareId, remoteId, reason, (error as Error).message);
    }
  }

  /** A source of a running download is gone: ban it, or dial it again after a backoff. */
  ended(shareId: string, remoteId: string, reason: SourceEndReason, detail: string): void {
    const dialing = this.#downloads.get(shareId);
    if (!dialing) return;
    dialing.sources.delete(remoteId);
    const key = `${shareId}:${remoteId}`;
    const banned = reason === 'bad-data' || reason === 'protocol';
    if (banned) this.#banned.add(key);
    this.options.onEnded(shareId, remoteId, reason, detail, banned);
    if (banned) return;
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const delay = Math.min(this.options.retryMaxMs ?? RETRY_MAX_MS, (this.options.retryMinMs ?? RETRY_MIN_MS) * 2 ** (failures - 1));
    const cancel = () => clearTimeout(timer);
    const timer = setTimeout(() => {
      dialing.signal.removeEventListener('abort', cancel);
      if (this.#downloads.get(shareId) === dialing && this.options.holds(shareId, remoteId)) void this.dial(shareId, remoteId);
    }, delay);
    dialing.signal.addEventListener('abort', cancel, { once: true });
  }
}
