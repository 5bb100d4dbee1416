/**
 * The set of peer connections: at most one PeerLink per remote peer, created on first need (ours or
 * theirs), closed when the peer leaves, when it fails, or when it has been idle (no data channel)
 * too long. At most `maxConnections` are open: the one idle longest makes room for a new one.
 */
import type { ClientMessage, ServerMessage } from '../../protocol/index.js';
import { connectionStats, type ConnectionStats } from './connection-stats.js';
import { MAX_CONNECTIONS } from '../../protocol/index.js';
import { IDLE_CONNECTION_MS } from './constants.js';
import { PeerLink, type SignalOut } from './peer-link.js';

export class ConnectionLimitError extends Error {
  override name = 'ConnectionLimitError';
}

export interface PeerConnectionsOptions {
  selfId: () => string | undefined;
  rtcConfig: () => RTCConfiguration;
  send: (message: ClientMessage) => void;
  onChannel: (remoteId: string, channel: RTCDataChannel, release: () => void) => void;
  onStateChange: (remoteId: string, state: RTCPeerConnectionState) => void;
  onFailed: (remoteId: string, reason: string) => void;
  maxConnections?: number;
  idleMs?: number;
}

export class PeerConnections {
  readonly #links = new Map<string, PeerLink>();
  readonly #reaper: ReturnType<typeof setInterval>;
  readonly #onNetworkChange = () => this.restartIceAll();

  constructor(private readonly options: PeerConnectionsOptions) {
    const idleMs = options.idleMs ?? IDLE_CONNECTION_MS;
    this.#reaper = setInterval(() => this.#closeIdle(idleMs), Math.min(10_000, idleMs / 2));
    globalThis.addEventListener?.('online', this.#onNetworkChange);
    (globalThis.navigator as Navigator & { connection?: EventTarget } | undefined)?.connection?.addEventListener('change', this.#onNetworkChange);
  }

  get size(): number {
    return this.#links.size;
  }

  has(remoteId: string): boolean {
    return this.#links.has(remoteId);
  }

  /** The link to a peer, created if needed; throws ConnectionLimitError at the cap with none idle. */
  get(remoteId: string): PeerLink {
    let link = this.#links.get(remoteId);
    if (link) return link;
    this.#makeRoom();
    const selfId = this.options.selfId() ?? '';
    link = new PeerLink({
      remoteId,
      polite: selfId > remoteId,
      config: this.options.rtcConfig(),
      signal: (message: SignalOut) => this.options.send({ ...message, to: remoteId } as ClientMessage),
      onChannel: (channel, release) => this.options.onChannel(remoteId, channel, release),
      onStateChange: (state) => {
        this.options.onStateChange(remoteId, state);
        if (state === 'closed') this.close(remoteId);
      },
      onFailed: (reason) => {
        this.options.onFailed(remoteId, reason);
        this.close(remoteId);
      },
    });
    this.#links.set(remoteId, link);
    return link;
  }

  /** Routes an offer, answer or candidate to its link (creating it for an offer, room permitting). */
  handleSignal(message: Extract<ServerMessage, { type: 'offer' | 'answer' | 'ice-candidate' }>): void {
    if (message.type !== 'offer' && !this.#links.has(message.from)) return;
    const { from, ...signal } = message;
    let link: PeerLink;
    try {
      link = this.get(from);
    } catch (error) {
      if (!(error instanceof ConnectionLimitError)) throw error;
      console.warn(`shoal: refused a connection from ${from}: ${error.message}`);
      return;
    }
    void link.handleSignal(signal as SignalOut);
  }

  /** ICE restart on every connection, e.g. after the network changed. */
  restartIceAll(): void {
    for (const link of this.#links.values()) if (link.pc.connectionState !== 'new') link.restartIce();
  }

  #makeRoom(): void {
    const max = this.options.maxConnections ?? MAX_CONNECTIONS;
    if (this.#links.size < max) return;
    let oldest: [string, number] | undefined;
    for (const [id, link] of this.#links) {
      const since = link.idleSince;
      if (since !== undefined && (!oldest || since < oldest[1])) oldest = [id, since];
    }
    if (!oldest) throw new ConnectionLimitError(`${this.#links.size} connections are open and all are busy`);
    this.close(oldest[0]);
  }

  #closeIdle(idleMs: number): void {
    const now = performance.now();
    for (const [id, link] of this.#links) {
      const since = link.idleSince;
      if (since !== undefined && now - since > idleMs) this.close(id);
    }
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

  /** Closes everything and stops watching the network. */
  dispose(): void {
    clearInterval(this.#reaper);
    globalThis.removeEventListener?.('online', this.#onNetworkChange);
    (globalThis.navigator as Navigator & { connection?: EventTarget } | undefined)?.connection?.removeEventListener('change', this.#onNetworkChange);
    this.closeAll();
  }
}
