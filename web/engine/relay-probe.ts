/**
 * Is the TURN relay reachable from here? A relay-only RTCPeerConnection with one data channel
 * gathers its candidates: a `relay` candidate means the relay granted an allocation (credentials
 * and UDP path work). The connection is closed at once, which releases the allocation.
 */
export type RelayProbe = { reachable: true; ms: number } | { reachable: false; reason: string };

export const RELAY_PROBE_EVERY_MS = 60_000;
const PROBE_TIMEOUT_MS = 8_000;

export async function probeRelay(iceServers: RTCIceServer[], timeoutMs = PROBE_TIMEOUT_MS): Promise<RelayProbe> {
  if (typeof RTCPeerConnection !== 'function') return { reachable: false, reason: 'this browser has no WebRTC' };
  const turn = iceServers.filter((server) => [server.urls].flat().some((url) => /^turns?:/i.test(url)));
  if (turn.length === 0) return { reachable: false, reason: 'the server offers no TURN relay' };
  const started = performance.now();
  const pc = new RTCPeerConnection({ iceServers: turn, iceTransportPolicy: 'relay' });
  try {
    return await new Promise<RelayProbe>((resolve) => {
      const timer = setTimeout(() => resolve({ reachable: false, reason: `no relay candidate within ${timeoutMs / 1000} s` }), timeoutMs);
      let failure = '';
      pc.addEventListener('icecandidateerror', (event) => {
        const error = event as RTCPeerConnectionIceErrorEvent;
        failure = `${error.errorCode} ${error.errorText}`.trim();
      });
      pc.addEventListener('icecandidate', (event) => {
        if (event.candidate?.type === 'relay') {
          clearTimeout(timer);
          resolve({ reachable: true, ms: Math.round(performance.now() - started) });
        } else if (!event.candidate) {
          clearTimeout(timer);
          resolve({ reachable: false, reason: failure || 'the relay gave no candidate' });
        }
      });
      pc.createDataChannel('probe');
      pc.createOffer()
        .then((offer) => pc.setLocalDescription(offer))
        .catch((error: Error) => {
          clearTimeout(timer);
          resolve({ reachable: false, reason: error.message });
        });
    });
  } finally {
    pc.close();
  }
}
