/**
 * The engine's live statistics: every STATS_INTERVAL_MS the RTT and path of each connection go into
 * the state, and every second a sample of the state's counters goes into the stats history, after
 * which `onSample` listeners (the dashboard's charts) are told. Nothing here runs per chunk.
 */
import type { ConnectionStats } from './connection-stats.js';
import type { StateWriter } from './state-writer.js';
import { StatsHistory } from './stats-history.js';

/** How often per-peer connection stats (RTT, path) are refreshed. */
const STATS_INTERVAL_MS = 2_000;
const SAMPLE_INTERVAL_MS = 1_000;

export class LiveStats {
  readonly history = new StatsHistory();
  readonly #listeners = new Set<() => void>();
  #timers: ReturnType<typeof setInterval>[] = [];

  constructor(
    private readonly state: StateWriter,
    private readonly connectionStats: () => Promise<Record<string, ConnectionStats>>,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.#timers = [setInterval(() => void this.#refreshPeers(), STATS_INTERVAL_MS), setInterval(() => this.#sample(), SAMPLE_INTERVAL_MS)];
  }

  stop(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
  }

  /** Calls `listener` after every sample; returns the unsubscribe. */
  onSample(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #sample(): void {
    this.history.sample(this.state.current, this.now());
    for (const listener of this.#listeners) listener();
  }

  async #refreshPeers(): Promise<void> {
    const stats = await this.connectionStats();
    for (const [peerId, s] of Object.entries(stats)) this.state.patchPeer(peerId, { rtt: s.roundTripTime, path: s.localCandidateType });
  }
}
