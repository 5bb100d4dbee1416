/**
 * The torrent list's logic, apart from drawing: chunk-map cells from a bitfield, a sparkline from
 * speed samples, and the list's filter and sort.
 */
import type { ShareState } from '../engine/state.js';

/**
 * How full each of `cells` cells of a chunk map is (0 to 1): cell c covers chunks
 * [c·n/cells, (c+1)·n/cells). With more cells than chunks a chunk spans several cells.
 */
export function chunkMapCells(bits: Uint8Array, chunks: number, cells: number): Float32Array {
  const out = new Float32Array(cells);
  if (chunks === 0) return out;
  for (let c = 0; c < cells; c++) {
    const from = Math.floor((c * chunks) / cells);
    const to = Math.max(from + 1, Math.floor(((c + 1) * chunks) / cells));
    let have = 0;
    for (let i = from; i < to; i++) if ((bits[i >> 3]! & (0x80 >> (i & 7))) !== 0) have++;
    out[c] = have / (to - from);
  }
  return out;
}

/** An SVG polyline's points for `values` scaled into width × height (the top is the largest value). */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const max = Math.max(...values, 1);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((v, i) => `${(i * step).toFixed(1)},${(height - (Math.max(0, v) / max) * height).toFixed(1)}`).join(' ');
}

export type TransferFilter = 'all' | 'active' | 'done' | 'failed';
export type TransferSort = 'name' | 'progress' | 'speed' | 'size' | 'state';

const ACTIVE = new Set<ShareState['status']>(['hashing', 'connecting', 'downloading', 'verifying', 'stalled', 'paused']);
/** Most urgent first when sorting by state. */
const STATE_ORDER: ShareState['status'][] = ['error', 'stalled', 'downloading', 'verifying', 'connecting', 'hashing', 'paused', 'seeding'];

export function filterTransfers(shares: readonly ShareState[], filter: TransferFilter, text = ''): ShareState[] {
  const needle = text.trim().toLowerCase();
  return shares.filter(
    (s) =>
      (filter === 'all' || (filter === 'active' && ACTIVE.has(s.status)) || (filter === 'done' && s.status === 'seeding') || (filter === 'failed' && s.status === 'error')) &&
      (needle === '' || s.name.toLowerCase().includes(needle)),
  );
}

const progress = (s: ShareState) => (s.size === 0 ? 1 : s.bytesDone / s.size);

export function sortTransfers(shares: readonly ShareState[], key: TransferSort): ShareState[] {
  const byName = (a: ShareState, b: ShareState) => a.name.localeCompare(b.name);
  const compare: Record<TransferSort, (a: ShareState, b: ShareState) => number> = {
    name: byName,
    progress: (a, b) => progress(a) - progress(b) || byName(a, b),
    speed: (a, b) => b.speed - a.speed || byName(a, b),
    size: (a, b) => b.size - a.size || byName(a, b),
    state: (a, b) => STATE_ORDER.indexOf(a.status) - STATE_ORDER.indexOf(b.status) || byName(a, b),
  };
  return [...shares].sort(compare[key]);
}
