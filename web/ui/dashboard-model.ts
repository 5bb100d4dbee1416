/**
 * What the dashboard shows, computed from the engine's state and stats history: the cards' numbers
 * and the speed chart's feed. Pure, so it is tested without a browser.
 */
import type { EngineState } from '../engine/state.js';
import type { StatsHistory } from '../engine/stats-history.js';

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
    seeding: state.shares.filter((s) => s.status === 'seeding').length,
  };
}

/**
 * The speed chart's data: parallel arrays the chart holds by reference. Each sample is pushed and
 * the oldest shifted out past `max`, so the chart is updated in place, never rebuilt.
 */
export class SpeedFeed {
  readonly labels: string[] = [];
  readonly up: number[] = [];
  readonly down: number[] = [];

  constructor(readonly max = 600) {}

  /** Pushes one sample (`time` in ms since the epoch; speeds in bytes per second, shown in MiB/s). */
  push(time: number, up: number, down: number): void {
    this.labels.push(new Date(time).toISOString().slice(11, 19));
    this.up.push(up / 1048576);
    this.down.push(down / 1048576);
    while (this.labels.length > this.max) {
      this.labels.shift();
      this.up.shift();
      this.down.shift();
    }
  }

  /** Fills the feed with what the history holds (when the chart first opens). */
  fill(history: StatsHistory): void {
    const times = history.times.toArray();
    const up = history.up.toArray();
    const down = history.down.toArray();
    for (let i = Math.max(0, times.length - this.max); i < times.length; i++) this.push(times[i]!, up[i]!, down[i]!);
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

/** System health: signaling, where chunks are handled and stored, the JS heap where exposed, the server. */
export function healthRows(state: EngineState, heap: { used: number; limit: number } | undefined, server: string | undefined): HealthRow[] {
  const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;
  return [
    { label: 'Signaling', value: state.signaling, ok: state.signaling === 'open' },
    { label: 'Data plane', value: state.dataPlane === 'worker' ? 'storage worker' : state.dataPlane === 'page' ? 'this page' : '—', ok: state.dataPlane !== undefined },
    { label: 'Storage', value: state.storageBackend === 'indexeddb' ? 'IndexedDB' : state.storageBackend === 'opfs' ? 'OPFS' : '—', ok: state.storageBackend !== undefined },
    { label: 'Relay only', value: state.forceRelay ? 'on' : 'off', ok: true },
    ...(heap ? [{ label: 'JS heap', value: `${mib(heap.used)} of ${mib(heap.limit)}`, ok: heap.used < heap.limit * 0.8 }] : []),
    { label: 'Server', value: server ?? '—', ok: server === 'ok' },
  ];
}
