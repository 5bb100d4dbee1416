/**
 * WebRTC for the headless peer: libdatachannel through node-datachannel's browser-compatible
 * polyfill, adjusted where it differs from a browser in what the engine's peer links rely on
 * (peer-link.ts does perfect negotiation):
 * - negotiationneeded never fires there: here it fires for the first channel;
 * - `setLocalDescription()` without arguments does nothing there: here it makes the offer, or the
 *   answer when a remote offer is pending, and waits for libdatachannel to produce it;
 * - local candidates come as `a=candidate:…` without an m-line index: sent as a browser sends them;
 * - TURN credentials are put into the server URL libdatachannel parses, so they are URL-encoded
 *   (our TURN REST usernames hold a colon);
 * - `restartIce()` is not implemented there: a failed connection stays failed and is dialled again;
 * - relay only (`iceTransportPolicy: 'relay'`) only keeps libdatachannel from sending its host
 *   candidates: its ICE agent still checks from its own sockets, found a host path to a browser in
 *   our test, and the remote learns our address. Here the remote's candidates other than relay are
 *   dropped as well, so the only pair that can work is relay to relay through the TURN servers
 *   (which forward only to addresses a permission was made for: our relay address).
 */
import { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill';

type IceHandler = ((event: { candidate: { toJSON(): RTCIceCandidateInit } | null }) => void) | null;

export class NodePeerConnection extends PolyfillPeerConnection {
  #onIceCandidate: IceHandler = null;
  /** A remote offer was applied: the next setLocalDescription() is its answer (libdatachannel makes it at once). */
  #answerPending = false;
  /** The connection has been (or is being) negotiated: later channels ride its SCTP association. */
  #negotiated = false;

  readonly #relayOnly: boolean;

  constructor(config: RTCConfiguration = {}) {
    super({ ...config, iceServers: (config.iceServers ?? []).map(encodeCredentials) } as ConstructorParameters<typeof PolyfillPeerConnection>[0]);
    // The polyfill calls `this.onicecandidate` (an own field it sets in its constructor): replaced by one that normalises.
    Object.defineProperty(this, 'onicecandidate', {
      configurable: true,
      get: () => (this.#onIceCandidate ? (event: { candidate: { candidate: string; sdpMid?: string | null } | null }) => this.#onIceCandidate?.({ candidate: browserCandidate(event.candidate) }) : null),
      set: (handler: IceHandler) => (this.#onIceCandidate = handler),
    });
    this.#relayOnly = config.iceTransportPolicy === 'relay';
  }

  override async addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
    if (this.#relayOnly && candidate?.candidate && !isRelay(candidate.candidate)) return;
    return super.addIceCandidate(candidate as Parameters<PolyfillPeerConnection['addIceCandidate']>[0]);
  }

  override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    const sdp = this.#relayOnly ? description.sdp?.split('\r\n').filter((line) => !line.startsWith('a=candidate:') || isRelay(line)).join('\r\n') : description.sdp;
    await super.setRemoteDescription({ ...description, ...(sdp !== undefined ? { sdp } : {}) } as Parameters<PolyfillPeerConnection['setRemoteDescription']>[0]);
    this.#negotiated = true;
    if (description.type === 'offer') this.#answerPending = true;
  }

  /** The polyfill never fires negotiationneeded (its flag starts false, not null): fired here for the first channel. */
  override createDataChannel(label: string, init?: RTCDataChannelInit): ReturnType<PolyfillPeerConnection['createDataChannel']> {
    const channel = super.createDataChannel(label, init);
    if (!this.#negotiated) {
      this.#negotiated = true;
      queueMicrotask(() => this.dispatchEvent(new Event('negotiationneeded')));
    }
    return channel;
  }

  override async setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void> {
    if (description?.type === 'answer' || (description === undefined && this.#answerPending)) {
      this.#answerPending = false;
      await this.createAnswer();
      return;
    }
    if (description === undefined || description.type === 'offer') {
      await super.setLocalDescription({ type: 'offer' });
      await this.createOffer();
    }
  }

  override async restartIce(): Promise<void> {
    // Not in libdatachannel's polyfill; the peer link counts the attempt and the source is dialled again.
  }
}

/** A local candidate as a browser sends it: `candidate:…`, with sdpMid and an m-line index. */
function browserCandidate(candidate: { candidate: string; sdpMid?: string | null } | null): { toJSON(): RTCIceCandidateInit } | null {
  if (!candidate?.candidate) return null;
  const init: RTCIceCandidateInit = { candidate: candidate.candidate.replace(/^a=/, ''), sdpMid: candidate.sdpMid ?? '0', sdpMLineIndex: 0 };
  return { toJSON: () => init };
}

const isRelay = (candidate: string) => / typ relay( |$)/.test(candidate);

function encodeCredentials(server: RTCIceServer): RTCIceServer {
  if (server.username === undefined || server.credential === undefined) return server;
  return { ...server, username: encodeURIComponent(server.username), credential: encodeURIComponent(String(server.credential)) };
}
