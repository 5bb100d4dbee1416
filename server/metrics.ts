/**
 * GET /metrics in the Prometheus text format (prom-client): the process's own metrics (CPU, memory,
 * event-loop lag, handles) and Shoal's: sockets, peers, rooms, signaling messages by type, refusals
 * by code, and the TURN process's state and restarts.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export interface MetricSources {
  sockets: () => number;
  peers: () => number;
  rooms: () => number;
  turnUp: () => boolean;
  turnRestarts: () => number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly messages: Counter<'type'>;
  readonly refusals: Counter<'code'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'shoal_' });
    const gauge = (name: string, help: string, read: () => number) => new Gauge({ name, help, registers, collect() { this.set(read()); } });
    gauge('shoal_signaling_sockets', 'Open /signaling WebSockets.', sources.sockets);
    gauge('shoal_signaling_peers', 'Peers in rooms.', sources.peers);
    gauge('shoal_signaling_rooms', 'Rooms with at least one peer.', sources.rooms);
    gauge('shoal_turn_up', 'Whether the STUN/TURN process is running (1) or not (0).', () => (sources.turnUp() ? 1 : 0));
    gauge('shoal_turn_restarts', 'Times the STUN/TURN process has been restarted.', sources.turnRestarts);
    this.messages = new Counter({ name: 'shoal_signaling_messages_total', help: 'Signaling messages accepted, by type.', labelNames: ['type'], registers });
    this.refusals = new Counter({ name: 'shoal_signaling_refusals_total', help: 'Signaling messages refused, by error code.', labelNames: ['code'], registers });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
