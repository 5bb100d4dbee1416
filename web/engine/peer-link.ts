/**
 * One RTCPeerConnection to one remote peer, shared by every share and transfer with it. Negotiation
 * follows the "perfect negotiation" pattern (the peer with the greater id is polite), so either side
 * may open channels first and glare resolves itself. No offer is made until a channel is needed.
 */
import type { IceCandidateInit } from '../../protocol/index.js';
import { CONNECT_TIMEOUT_MS } from './constants.js';

export type SignalOut =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'ice-candidate'; candidate: IceCandidateInit | null };

export class PeerConnectError extends Error {
  override name = 'PeerConnectError';
}

export interface PeerLinkOptions {
  remoteId: string;
  polite: boolean;
  config: RTCConfiguration;
  signal: (message: SignalOut) => void;
  onChannel: (channel: RTCDataChannel) => void;
  onStateChange: (state: RTCPeerConnectionState) => void;
}

export class PeerLink {
  readonly pc: RTCPeerConnection;
  #makingOffer = false;
  #ignoreOffer = false;
  /** Signals are applied strictly in arrival order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: PeerLinkOptions) {
    const pc = new RTCPeerConnection(options.config);
    this.pc = pc;
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
    pc.ondatachannel = ({ channel }) => options.onChannel(channel);
    pc.onconnectionstatechange = () => options.onStateChange(pc.connectionState);
  }

  get remoteId(): string {
    return this.options.remoteId;
  }

  /** Opens a data channel and resolves once it is open. */
  openChannel(label: string, signal?: AbortSignal): Promise<RTCDataChannel> {
    const channel = this.pc.createDataChannel(label);
    channel.binaryType = 'arraybuffer';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new PeerConnectError(`no connection to peer after ${CONNECT_TIMEOUT_MS / 1000} s (${this.pc.connectionState}, ICE ${this.pc.iceConnectionState})`)), CONNECT_TIMEOUT_MS);
      const fail = (error: Error) => {
        clearTimeout(timer);
        channel.close();
        reject(error);
      };
      signal?.addEventListener('abort', () => fail(new DOMException('aborted', 'AbortError')), { once: true });
      channel.onopen = () => {
        clearTimeout(timer);
        resolve(channel);
      };
      channel.onerror = () => fail(new PeerConnectError('data channel failed to open'));
    });
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
    this.pc.close();
  }
}
