/**
 * One RTCPeerConnection to one remote peer, shared by every share and transfer with it. Negotiation
 * follows the "perfect negotiation" pattern (the peer with the greater id is polite), so either side
 * may open channels first and glare resolves itself. No offer is made until a channel is needed.
 * A connection that drops or fails is given ICE restarts before it is declared failed, with a reason.
 */
import type { IceCandidateInit } from '../../protocol/index.js';
import { DISCONNECTED_GRACE_MS, MAX_ICE_RESTARTS } from './constants.js';

export type SignalOut =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'ice-candidate'; candidate: IceCandidateInit | null };

export interface PeerLinkOptions {
  remoteId: string;
  polite: boolean;
  config: RTCConfiguration;
  signal: (message: SignalOut) => void;
  /** A channel the remote peer opened; call `release` once it has closed (see createChannel). */
  onChannel: (channel: RTCDataChannel, release: () => void) => void;
  onStateChange: (state: RTCPeerConnectionState) => void;
  /** The connection failed for good (ICE restarts did not help); `reason` is for people. */
  onFailed: (reason: string) => void;
  now?: () => number;
}

/** Why a connection failed, from its states and the candidates each side offered. */
export async function describeFailure(pc: RTCPeerConnection): Promise<string> {
  const local = new Set<string>();
  const remote = new Set<string>();
  let pairs = 0;
  try {
    (await pc.getStats()).forEach((entry: { type: string; candidateType?: string }) => {
      if (entry.type === 'local-candidate' && entry.candidateType) local.add(entry.candidateType);
      if (entry.type === 'remote-candidate' && entry.candidateType) remote.add(entry.candidateType);
      if (entry.type === 'candidate-pair') pairs++;
    });
  } catch {
    // a closed connection has no stats
  }
  const list = (set: Set<string>) => (set.size === 0 ? 'none' : [...set].sort().join(', '));
  let why: string;
  if (pc.signalingState !== 'stable' && pc.connectionState !== 'failed') why = 'negotiation did not complete (the peer did not answer)';
  else if (remote.size === 0) why = 'the peer sent no ICE candidates';
  else if (local.size === 0) why = 'this browser gathered no ICE candidates';
  else if (!local.has('relay') && !remote.has('relay')) why = 'no candidate pair worked and neither side had a TURN relay';
  else why = 'no candidate pair worked';
  return `${why} (ICE ${pc.iceConnectionState}; ${pairs} pairs tried; candidates here: ${list(local)}; there: ${list(remote)})`;
}

export class PeerLink {
  readonly pc: RTCPeerConnection;
  #makingOffer = false;
  #ignoreOffer = false;
  /** Signals are applied strictly in arrival order. */
  #queue: Promise<void> = Promise.resolve();
  #openChannels = 0;
  #idleSince: number;
  #iceRestarts = 0;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #failed = false;
  readonly #now: () => number;

  constructor(private readonly options: PeerLinkOptions) {
    const pc = new RTCPeerConnection(options.config);
    this.pc = pc;
    this.#now = options.now ?? (() => performance.now());
    this.#idleSince = this.#now();
    pc.onnegotiationneeded = async () => {
      try {
        this.#makingOffer = true;
        await pc.setLocalDescription();
        options.signal({ type: 'offer', sdp: pc.localDescription!.sdp });
      } catch (error) {
        console.warn('shoal: offer failed', error);
      } finally {
        this.#makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => options.signal({ type: 'ice-candidate', candidate: candidate ? candidate.toJSON() as IceCandidateInit : null });
    pc.ondatachannel = ({ channel }) => options.onChannel(channel, this.#track());
    pc.onconnectionstatechange = () => this.#onConnectionState();
  }

  /** Open data channels on this connection; 0 means idle. */
  get openChannels(): number {
    return this.#openChannels;
  }

  /** When the connection last became idle (no channel), or undefined while it carries one. */
  get idleSince(): number | undefined {
    return this.#openChannels === 0 ? this.#idleSince : undefined;
  }

  /** Starts an ICE restart (after a network change, or a dropped connection). */
  restartIce(): void {
    if (this.pc.connectionState === 'closed' || this.#failed) return;
    this.#iceRestarts++;
    this.pc.restartIce(); // fires negotiationneeded: a new offer with fresh ICE credentials
  }

  /**
   * Counts a channel as open until the returned function is called (once it has closed). Channels
   * are counted this way, not by their close events, because their owner may be a worker they were
   * transferred to, where this page sees none of their events.
   */
  #track(): () => void {
    this.#openChannels++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#openChannels--;
      if (this.#openChannels === 0) this.#idleSince = this.#now();
    };
  }

  #onConnectionState(): void {
    const state = this.pc.connectionState;
    clearTimeout(this.#graceTimer);
    if (state === 'connected') this.#iceRestarts = 0;
    if (state === 'disconnected') {
      // Often a blip that ICE consent checks recover from; if not, restart ICE before giving up.
      this.#graceTimer = setTimeout(() => this.pc.connectionState === 'disconnected' && this.restartIce(), DISCONNECTED_GRACE_MS);
    }
    if (state === 'failed') {
      if (this.#iceRestarts < MAX_ICE_RESTARTS) {
        this.restartIce();
      } else if (!this.#failed) {
        this.#failed = true;
        void describeFailure(this.pc).then((reason) => this.options.onFailed(reason));
      }
    }
    this.options.onStateChange(state);
  }

  /**
   * Creates a data channel (negotiating the connection if need be) without waiting for it to open,
   * so it can be transferred at once to the worker that will use it. Call `release` once it closes.
   */
  createChannel(label: string): { channel: RTCDataChannel; release: () => void } {
    const channel = this.pc.createDataChannel(label);
    return { channel, release: this.#track() };
  }

  /** Applies an offer, answer or candidate from the remote peer. */
  handleSignal(message: SignalOut): Promise<void> {
    this.#queue = this.#queue.then(() => this.#apply(message)).catch((error) => console.warn('shoal: signal failed', error));
    return this.#queue;
  }

  async #apply(message: SignalOut): Promise<void> {
    const pc = this.pc;
    if (message.type === 'ice-candidate') {
      try {
        await pc.addIceCandidate(message.candidate ?? undefined);
      } catch (error) {
        if (!this.#ignoreOffer) throw error;
      }
      return;
    }
    const offerCollision = message.type === 'offer' && (this.#makingOffer || pc.signalingState !== 'stable');
    this.#ignoreOffer = !this.options.polite && offerCollision;
    if (this.#ignoreOffer) return;
    await pc.setRemoteDescription({ type: message.type, sdp: message.sdp });
    if (message.type === 'offer') {
      await pc.setLocalDescription();
      this.options.signal({ type: 'answer', sdp: pc.localDescription!.sdp });
    }
  }

  close(): void {
    clearTimeout(this.#graceTimer);
    this.pc.close();
  }
}
