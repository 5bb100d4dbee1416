/**
 * The set of peer connections: at most one PeerLink per remote peer, created on first need (ours or
 * theirs), closed when the peer leaves.
 */
import type { ClientMessage, ServerMessage } from '../../protocol/index.js';
import { connectionStats, type ConnectionStats } from './connection-stats.js';
import { PeerLink, type SignalOut } from './peer-link.js';

export interface LinksOptions {
  selfId: () => string | undefined;
  rtcConfig: () => RTCConfiguration;
  send: (message: ClientMessage) => void;
  onChannel: (remoteId: string, channel: RTCDataChannel) => void;
  onStateChange: (remoteId: string, state: RTCPeerConnectionState) => void;
}

export class Links {
  readonly #links = new Map<string, PeerLink>();

  constructor(private readonly options: LinksOptions) {}

  get(remoteId: string): PeerLink {
    let link = this.#links.get(remoteId);
    if (link) return link;
    const selfId = this.options.selfId() ?? '';
    link = new PeerLink({
      remoteId,
      polite: selfId > remoteId,
      config: this.options.rtcConfig(),
      signal: (message: SignalOut) => this.options.send({ ...message, to: remoteId } as ClientMessage),
      onChannel: (channel) => this.options.onChannel(remoteId, channel),
      onStateChange: (state) => {
        this.options.onStateChange(remoteId, state);
        if (state === 'failed' || state === 'closed') this.close(remoteId);
      },
    });
    this.#links.set(remoteId, link);
    return link;
  }

  /** Routes an offer, answer or candidate to its link (creating it for an offer). */
  handleSignal(message: Extract<ServerMessage, { type: 'offer' | 'answer' | 'ice-candidate' }>): void {
    if (message.type !== 'offer' && !this.#links.has(message.from)) return;
    const { from, ...signal } = message;
    void this.get(from).handleSignal(signal as SignalOut);
  }

  /** Connection statistics per connected peer. */
  async stats(): Promise<Record<string, ConnectionStats>> {
    const out: Record<string, ConnectionStats> = {};
    for (const [remoteId, link] of this.#links) {
      const stats = await connectionStats(link.pc);
      if (stats) out[remoteId] = stats;
    }
    return out;
  }

  close(remoteId: string): void {
    const link = this.#links.get(remoteId);
    if (!link) return;
    this.#links.delete(remoteId);
    link.close();
  }

  closeAll(): void {
    for (const id of [...this.#links.keys()]) this.close(id);
  }
}
