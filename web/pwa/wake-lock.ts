/**
 * Keeps the screen on while something downloads or hashes and the page is in view (a phone that
 * locks its screen suspends the page, and the transfer with it); lets go when nothing runs. The
 * browser drops the lock when the page is hidden, so it is taken again when the page shows.
 */
import type { EngineState } from '../engine/state.js';
import type { Store } from '../engine/store.js';
import { activeTransfers } from '../ui/toast-model.js';

interface WakeLockSentinelLike {
  released: boolean;
  release(): Promise<void>;
}

export class TransferWakeLock {
  #sentinel: WakeLockSentinelLike | undefined;
  #requesting = false;
  #active = false;

  constructor(
    store: Store<EngineState>,
    private readonly wakeLock: { request(type: 'screen'): Promise<WakeLockSentinelLike> } | undefined = (navigator as Navigator & { wakeLock?: { request(type: 'screen'): Promise<WakeLockSentinelLike> } }).wakeLock,
    private readonly doc: Pick<Document, 'visibilityState' | 'addEventListener'> = document,
  ) {
    store.subscribe((state) => this.#update(activeTransfers(state.shares) > 0));
    doc.addEventListener('visibilitychange', () => this.#update(this.#active));
  }

  /** Whether the screen is held on now. */
  get held(): boolean {
    return this.#sentinel !== undefined && !this.#sentinel.released;
  }

  #update(active: boolean): void {
    this.#active = active;
    if (active && this.doc.visibilityState === 'visible' && !this.held && !this.#requesting && this.wakeLock) {
      this.#requesting = true;
      this.wakeLock
        .request('screen')
        .then((sentinel) => {
          this.#sentinel = sentinel;
          if (!this.#active) void this.#release();
        }, () => undefined) // refused (battery saver, no permission): transfers go on anyway
        .finally(() => (this.#requesting = false));
    } else if (!active && this.held) void this.#release();
  }

  async #release(): Promise<void> {
    const sentinel = this.#sentinel;
    this.#sentinel = undefined;
    await sentinel?.release().catch(() => undefined);
  }
}
