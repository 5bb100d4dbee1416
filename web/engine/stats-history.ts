/**
 * What the dashboard draws over time: one sample a second of the engine's counters, kept in ring
 * buffers of HISTORY_SECONDS (10 minutes and a half: a full 10-minute chart even mid-second).
 * - total upload and download bytes/s, chunks verified and rejected per second;
 * - per peer: upload and download bytes/s, RTT (ms) and path;
 * - per share: download (or hashing) bytes/s;
 * - and the session's totals sent and received, which do not shrink when a peer leaves.
 * Samples are rates computed from the cumulative counters in the engine state, so nothing on the
 * transfer path does any work for them. Memory is bounded: a fixed number of Float64Array slots
 * per series, and a peer's or share's series is dropped once it is gone from the state.
 */
import type { EngineState } from './state.js';

export const HISTORY_SECONDS = 630;

/** A fixed-size series of numbers, oldest first; NaN marks "no value" (e.g. an unknown RTT). */
export class RingBuffer {
  readonly #values: Float64Array;
  #next = 0;
  #length = 0;

  constructor(readonly capacity: number) {
    this.#values = new Float64Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.capacity;
    this.#length = Math.min(this.#length + 1, this.capacity);
  }

  /** The most recent value, or NaN if there is none. */
  latest(): number {
    return this.#length === 0 ? Number.NaN : this.#values[(this.#next - 1 + this.capacity) % this.capacity]!;
  }

  /** The values, oldest first (a copy). */
  toArray(): number[] {
    const out = new Array<number>(this.#length);
    const start = (this.#next - this.#length + this.capacity) % this.capacity;
    for (let i = 0; i < this.#length; i++) out[i] = this.#values[(start + i) % this.capacity]!;
    return out;
  }
}

export interface PeerSeries {
  up: RingBuffer;
  down: RingBuffer;
  /** Milliseconds; NaN while unknown. */
  rtt: RingBuffer;
  /** The last path seen (host, srflx, prflx or relay). */
  path: string | undefined;
}

/** The cumulative counters a sample is the difference of. */
interface Counters {
  peers: Map<string, { sent: number; received: number }>;
  shares: Map<string, number>;
  verified: number;
  rejected: number;
}

function countersOf(state: EngineState): Counters {
  const peers = new Map(state.peers.map((p) => [p.peerId, { sent: p.bytesSent, received: p.bytesReceived }]));
  const shares = new Map(state.shares.map((s) => [s.id, s.bytesDone]));
  return {
    peers,
    shares,
    verified: state.peers.reduce((n, p) => n + p.chunksReceived, 0),
    rejected: state.peers.reduce((n, p) => n + p.badChunks, 0),
  };
}

export class StatsHistory {
  /** Sample times (ms since the epoch), parallel to every series. */
  readonly times: RingBuffer;
  readonly up: RingBuffer;
  readonly down: RingBuffer;
  readonly verified: RingBuffer;
  readonly rejected: RingBuffer;
  readonly peers = new Map<string, PeerSeries>();
  readonly shares = new Map<string, RingBuffer>();
  /** Bytes sent to and received from peers since the first sample. */
  totalSent = 0;
  totalReceived = 0;
  #last: { at: number; counters: Counters } | undefined;

  constructor(readonly capacity = HISTORY_SECONDS) {
    this.times = new RingBuffer(capacity);
    this.up = new RingBuffer(capacity);
    this.down = new RingBuffer(capacity);
    this.verified = new RingBuffer(capacity);
    this.rejected = new RingBuffer(capacity);
  }

  /**
   * Takes a sample of `state` at `now` (ms). The first call only sets the baseline; a peer that
   * appears later starts from zero (its counters start there). A counter that went down (a peer
   * that left and came back with fresh counters) counts as zero, never negative.
   */
  sample(state: EngineState, now: number): void {
    const counters = countersOf(state);
    const last = this.#last;
    this.#last = { at: now, counters };
    if (!last || now <= last.at) return;
    const seconds = (now - last.at) / 1000;
    const rate = (current: number, before: number | undefined) => Math.max(0, current - (before ?? current)) / seconds;
    let up = 0;
    let down = 0;
    for (const peer of state.peers) {
      const before = last.counters.peers.get(peer.peerId) ?? { sent: 0, received: 0 };
      const sent = rate(peer.bytesSent, before.sent);
      const received = rate(peer.bytesReceived, before.received);
      up += sent;
      down += received;
      let series = this.peers.get(peer.peerId);
      if (!series) {
        series = { up: new RingBuffer(this.capacity), down: new RingBuffer(this.capacity), rtt: new RingBuffer(this.capacity), path: undefined };
        this.peers.set(peer.peerId, series);
      }
      series.up.push(sent);
      series.down.push(received);
      series.rtt.push(peer.rtt === undefined ? Number.NaN : peer.rtt * 1000);
      series.path = peer.path ?? series.path;
    }
    for (const share of state.shares) {
      let series = this.shares.get(share.id);
      if (!series) this.shares.set(share.id, (series = new RingBuffer(this.capacity)));
      series.push(rate(share.bytesDone, last.counters.shares.get(share.id)));
    }
    for (const id of this.peers.keys()) if (!counters.peers.has(id)) this.peers.delete(id);
    for (const id of this.shares.keys()) if (!counters.shares.has(id)) this.shares.delete(id);
    this.totalSent += up * seconds;
    this.totalReceived += down * seconds;
    this.times.push(now);
    this.up.push(up);
    this.down.push(down);
    this.verified.push(rate(counters.verified, last.counters.verified));
    this.rejected.push(rate(counters.rejected, last.counters.rejected));
  }
}
