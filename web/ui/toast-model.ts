/**
 * What deserves a toast: a download that completed, a share that finished hashing, a transfer that
 * failed (with its reason). Plain logic, tested alone.
 */
import type { ShareState } from '../engine/state.js';

export interface ShareEvent {
  kind: 'downloaded' | 'shared' | 'failed';
  shareId: string;
  name: string;
  detail?: string;
}

/**
 * Fed each new list of shares, returns what changed that a user wants told. A share being hashed
 * shows under a temporary id and comes back under its share id (maybe in a later batch), so the
 * names of shares seen hashing are remembered until they reappear, seeding or failed.
 */
export class ShareEventTracker {
  #previous = new Map<string, ShareState>();
  readonly #hashing = new Set<string>();
  #first = true;

  next(shares: readonly ShareState[]): ShareEvent[] {
    const events: ShareEvent[] = [];
    for (const share of shares) {
      if (share.status === 'hashing') this.#hashing.add(share.name);
      const was = this.#previous.get(share.id);
      const fromHashing = !was && share.origin === 'shared' && this.#hashing.has(share.name) && share.status !== 'hashing';
      if (fromHashing) this.#hashing.delete(share.name);
      if (this.#first || (!fromHashing && (!was || was.status === share.status))) continue;
      if (share.status === 'seeding' && share.origin === 'downloaded') events.push({ kind: 'downloaded', shareId: share.id, name: share.name });
      else if (share.status === 'seeding') events.push({ kind: 'shared', shareId: share.id, name: share.name });
      else if (share.status === 'error') events.push({ kind: 'failed', shareId: share.id, name: share.name, ...(share.error ? { detail: share.error } : {}) });
    }
    this.#previous = new Map(shares.map((share) => [share.id, share]));
    this.#first = false;
    return events;
  }
}

/** Transfers that count on the app badge: downloads under way and shares being hashed. */
export const activeTransfers = (shares: readonly ShareState[]): number =>
  shares.filter((s) => s.status === 'downloading' || s.status === 'connecting' || s.status === 'stalled' || s.status === 'hashing').length;
