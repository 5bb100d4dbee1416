/**
 * What the dashboard shows, computed from the engine's state and stats history: the cards' numbers
 * and the speed chart's feed. Pure, so it is tested without a browser.
 */
import type { EngineState } from '../engine/state.js';
import type { PeerSeries, StatsHistory } from '../engine/stats-history.js';
import type { RelayProbe } from '../engine/relay-probe.js';

export interface DashboardCards {
  peersInRoom: number;
  peersConnected: number;
  /** Bytes per second, from the last sample. */
  upload: number;
  download: number;
  /** Bytes this session, including peers that have left. */
  totalSent: number;
  totalReceived: number;
  /** Sent / received; null before anything was received. */
  ratio: number | null;
  activeTransfers: number;
  /** Complete shares served in the room the page is in (those of other rooms are kept, not seeded). */
  seeding: number;
}

const ACTIVE = new Set(['hashing', 'connecting', 'downloading', 'verifying', 'stalled']);

export function dashboardCards(state: EngineState, history: StatsHistory): DashboardCards {
  const { totalSent, totalReceived } = history;
  const latest = (value: number) => (Number.isNaN(value) ? 0 : value);
  return {
    peersInRoom: state.peers.length,
    peersConnected: state.peers.filter((p) => p.connection === 'connected').length,
    upload: latest(history.up.latest()),
    download: latest(history.down.latest()),
    totalSent,
    totalReceived,
    ratio: totalReceived > 0 ? totalSent / totalReceived : null,
    activeTransfers: state.shares.filter((s) => ACTIVE.has(s.status)).length,
    seeding: state.shares.filter((s) => s.status === 'seeding' && s.rooms.includes(state.roomKey)).length,
  };
}

/** A chart point: `x` a time (ms since the epoch), `y` the value or null for a gap. */
export interface Point {
  x: number;
  y: number | null;
}

/** The last `window` ms of a series: points before it are dropped from the front. */
function trim(points: Point[], latest: number, window: number): void {
  let stale = 0;
  while (stale < points.length && points[stale]!.x <= latest - window) stale++;
  if (stale > 0) points.splice(0, stale);
}

const MiB = 1048576;

/**
 * The speed chart's data: point arrays the chart holds by reference, on a time axis. Each sample is
 * pushed and what is older than `windowMs` dropped, so the chart is updated in place, never rebuilt.
 */
export class SpeedFeed {
  readonly up: Point[] = [];
  readonly down: Point[] = [];

  constructor(readonly windowMs = 600_000) {}

  /**
   * Pushes one sample (`time` in ms since the epoch; speeds in bytes per second, shown in MiB/s).
   * No time (an empty history: the first sample only sets the baseline) pushes nothing.
   */
  push(time: number, up: number, down: number): void {
    if (!Number.isFinite(time)) return;
    this.up.push({ x: time, y: up / MiB });
    this.down.push({ x: time, y: down / MiB });
    trim(this.up, time, this.windowMs);
    trim(this.down, time, this.windowMs);
  }

  /** Fills the feed with what the history holds (when the chart first opens). */
  fill(history: StatsHistory): void {
    const times = history.times.toArray();
    const up = history.up.toArray();
    const down = history.down.toArray();
    for (let i = 0; i < times.length; i++) this.push(times[i]!, up[i]!, down[i]!);
  }
}

/**
 * The RTT chart's data: one line per peer (milliseconds, null where unknown), on the speed chart's
 * time axis, pushed in place like it. A peer that left keeps its line until it scrolls out; a line
 * with nothing left goes.
 */
export class RttFeed {
  readonly datasets: { peerId: string; label: string; data: Point[] }[] = [];

  constructor(readonly windowMs = 600_000) {}

  /** What the history holds (when the chart first opens). */
  fill(history: StatsHistory, names: ReadonlyMap<string, string>): void {
    const times = history.times.toArray();
    for (const [peerId, series] of history.peers) {
      const values = series.rtt.toArray();
      // a peer's series ends with the history's: it started `times.length - values.length` samples later
      const data = values.map((v, i) => ({ x: times[times.length - values.length + i]!, y: Number.isNaN(v) ? null : Math.round(v) }));
      if (data.some((p) => p.y !== null)) this.datasets.push({ peerId, label: names.get(peerId) || peerId.slice(0, 6), data });
    }
    const latest = times.at(-1);
    if (latest !== undefined) for (const dataset of this.datasets) trim(dataset.data, latest, this.windowMs);
  }

  /** One sample: each peer's latest RTT from the history, names from `names`. No time, nothing. */
  push(time: number, peers: ReadonlyMap<string, PeerSeries>, names: ReadonlyMap<string, string>): void {
    if (!Number.isFinite(time)) return;
    for (const peerId of peers.keys()) {
      if (!this.datasets.some((d) => d.peerId === peerId)) this.datasets.push({ peerId, label: names.get(peerId) || peerId.slice(0, 6), data: [] });
    }
    for (let i = this.datasets.length - 1; i >= 0; i--) {
      const dataset = this.datasets[i]!;
      const rtt = peers.get(dataset.peerId)?.rtt.latest();
      dataset.data.push({ x: time, y: rtt === undefined || Number.isNaN(rtt) ? null : Math.round(rtt) });
      dataset.label = names.get(dataset.peerId) || dataset.label;
      trim(dataset.data, time, this.windowMs);
      if (dataset.data.every((p) => p.y === null)) this.datasets.splice(i, 1);
    }
  }
}

export interface ConnectionRow {
  name: string;
  /** direct (host, srflx, prflx) or relayed; '—' while not connected. */
  path: 'direct' | 'relayed' | '—';
  rttMs: number | null;
  failures: number;
  lastFailure: string | undefined;
}

/** Connection quality, a row per peer in the room: how it is reached, its RTT, its failures. */
export function connectionRows(state: EngineState): ConnectionRow[] {
  return state.peers.map((p) => ({
    name: p.name,
    path: p.connection !== 'connected' || !p.path ? '—' : p.path === 'relay' ? 'relayed' : 'direct',
    rttMs: p.rtt === undefined ? null : Math.round(p.rtt * 1000),
    failures: p.failures,
    lastFailure: p.lastFailure,
  }));
}

export interface HealthRow {
  label: string;
  value: string;
  ok: boolean;
}


/**
 * System health: signaling (and how often it reconnected), the TURN relay, where chunks are handled
 * and stored, the JS heap where exposed, the server.
 */
export function healthRows(state: EngineState, heap: { used: number; limit: number } | undefined, server: string | undefined, relay?: RelayProbe): HealthRow[] {
  const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;
  const reconnects = state.reconnects === 0 ? '' : `, ${state.reconnects} reconnect${state.reconnects === 1 ? '' : 's'}`;
  return [
    { label: 'Signaling', value: `${state.signaling}${reconnects}`, ok: state.signaling === 'open' },
    { label: 'TURN relay', value: relay === undefined ? 'checking…' : relay.reachable ? `reachable, ${relay.ms} ms` : `unreachable: ${relay.reason}`, ok: relay?.reachable !== false },
    { label: 'Data plane', value: state.dataPlane === 'worker' ? 'storage worker' : state.dataPlane === 'page' ? 'this page' : '—', ok: state.dataPlane !== undefined },
    { label: 'Storage', value: state.storageBackend === 'indexeddb' ? 'IndexedDB' : state.storageBackend === 'opfs' ? 'OPFS' : '—', ok: state.storageBackend !== undefined },
    { label: 'Relay only', value: state.forceRelay ? 'on' : 'off', ok: true },
    ...(heap ? [{ label: 'JS heap', value: `${mib(heap.used)} of ${mib(heap.limit)}`, ok: heap.used < heap.limit * 0.8 }] : []),
    { label: 'Server', value: server ?? '—', ok: server === 'ok' },
  ];
}
