/**
 * The peer graph's data, apart from layout and drawing: this browser and each peer as nodes, one
 * link per peer with its live throughput (the last stats sample), path, RTT and bytes. Pure.
 */
import type { EngineState } from '../engine/state.js';
import type { StatsHistory } from '../engine/stats-history.js';

export interface GraphNode {
  id: string;
  name: string;
  self: boolean;
  connection: string;
}

export interface GraphLink {
  peerId: string;
  /** Bytes per second both ways, from the last sample. */
  rate: number;
  relayed: boolean;
  path: string | undefined;
  /** Milliseconds, or undefined while unknown. */
  rtt: number | undefined;
  sent: number;
  received: number;
  connected: boolean;
}

export interface GraphModel {
  nodes: GraphNode[];
  links: GraphLink[];
}

export const SELF_ID = 'self';

export function graphModel(state: Pick<EngineState, 'selfName' | 'peers'>, history: Pick<StatsHistory, 'peers'>): GraphModel {
  const latest = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? 0 : value);
  const nodes: GraphNode[] = [{ id: SELF_ID, name: state.selfName, self: true, connection: 'self' }];
  const links: GraphLink[] = [];
  for (const peer of state.peers) {
    nodes.push({ id: peer.peerId, name: peer.name || peer.peerId.slice(0, 6), self: false, connection: peer.connection });
    const series = history.peers.get(peer.peerId);
    links.push({
      peerId: peer.peerId,
      rate: latest(series?.up.latest()) + latest(series?.down.latest()),
      relayed: peer.path === 'relay',
      path: peer.path,
      rtt: peer.rtt === undefined ? undefined : Math.round(peer.rtt * 1000),
      sent: peer.bytesSent,
      received: peer.bytesReceived,
      connected: peer.connection === 'connected',
    });
  }
  return { nodes, links };
}

/** A link's stroke width: 1.5 px idle, growing with the log of its throughput to 9 px near 100 MiB/s. */
export function linkWidth(rate: number): number {
  if (rate <= 0) return 1.5;
  return Math.min(9, 1.5 + Math.max(0, Math.log10(rate / 1024)) * 1.9);
}

/** The path in words, for the table and the labels. */
export function pathText(path: string | undefined): string {
  if (path === undefined) return '—';
  return path === 'relay' ? 'relayed' : 'direct';
}
