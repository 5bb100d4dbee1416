/**
 * Writes engine state in batches: byte counters change thousands of times a second, so changes are
 * merged and reach subscribers at most every UI_UPDATE_MS. Reads see the pending state.
 */
import type { EngineState, PeerState, ShareState } from './state.js';
import type { Store } from './store.js';

const UI_UPDATE_MS = 200;

export class StateWriter {
  #pending: EngineState | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly store: Store<EngineState>) {}

  get current(): EngineState {
    return this.#pending ?? this.store.state;
  }

  set(patch: Partial<EngineState>): void {
    this.#pending = { ...this.current, ...patch };
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      const next = this.#pending!;
      this.#pending = undefined;
      this.store.update(() => next);
    }, UI_UPDATE_MS);
  }

  /** Publishes pending changes now (e.g. as the page goes away). */
  flushNow(): void {
    if (!this.#pending) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = this.#pending;
    this.#pending = undefined;
    this.store.update(() => next);
  }

  share(id: string): ShareState | undefined {
    return this.current.shares.find((s) => s.id === id);
  }

  putShare(share: ShareState): void {
    this.set({ shares: [...this.current.shares.filter((s) => s.id !== share.id), share] });
  }

  removeShare(id: string): void {
    this.set({ shares: this.current.shares.filter((s) => s.id !== id) });
  }

  patchShare(id: string, patch: Partial<ShareState>): void {
    this.set({ shares: this.current.shares.map((s) => (s.id === id ? { ...s, ...patch } : s)) });
  }

  patchPeer(peerId: string, patch: Partial<PeerState> | ((peer: PeerState) => Partial<PeerState>)): void {
    this.set({ peers: this.current.peers.map((p) => (p.peerId === peerId ? { ...p, ...(typeof patch === 'function' ? patch(p) : patch) } : p)) });
  }

  /** Adds the plane's per-peer counts since its last report to each peer's totals. */
  addPeerCounts(peers: { remoteId: string; bytesReceived: number; chunksReceived: number; bytesSent: number; chunksSent: number }[]): void {
    for (const counts of peers) {
      this.patchPeer(counts.remoteId, (p) => ({
        bytesReceived: p.bytesReceived + counts.bytesReceived,
        chunksReceived: p.chunksReceived + counts.chunksReceived,
        bytesSent: p.bytesSent + counts.bytesSent,
        chunksSent: p.chunksSent + counts.chunksSent,
      }));
    }
  }
}
