/// <reference types="mocha" />
/**
 * Peer connections in a real Chromium: several PeerConnections instances in one page, their signaling wired to
 * each other directly. Covers the connection cap (idle connections closed first, busy ones never),
 * ICE restarts on a live connection, and the reason given for a connection that cannot work.
 */
import { ConnectionLimitError, PeerConnections } from '../../web/engine/peer-connections.js';
import { channelOpened } from '../../plane/channel-open.js';
import { describeFailure, type PeerLink } from '../../web/engine/peer-link.js';

function assert(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(what);
}

const nodes = new Map<string, PeerConnections>();
const failures: string[] = [];
const incoming = new Map<string, RTCDataChannel[]>();

function node(id: string, maxConnections = 24): PeerConnections {
  const links = new PeerConnections({
    selfId: () => id,
    rtcConfig: () => ({ iceServers: [] }),
    send: (message) => {
      const { to, ...rest } = message as { to: string };
      setTimeout(() => nodes.get(to)?.handleSignal({ ...rest, from: id } as never), 0);
    },
    onChannel: (remoteId, channel, release) => {
      channel.addEventListener('close', release, { once: true });
      incoming.set(`${id}<-${remoteId}`, [...(incoming.get(`${id}<-${remoteId}`) ?? []), channel]);
    },
    onStateChange: () => undefined,
    onFailed: (remoteId, reason) => failures.push(`${id}->${remoteId}: ${reason}`),
    maxConnections,
  });
  nodes.set(id, links);
  return links;
}

/** A channel kept on this page: released when it closes, as the engine's data plane does. */
function openChannel(link: PeerLink, label: string): Promise<RTCDataChannel> {
  const { channel, release } = link.createChannel(label);
  channel.addEventListener('close', release, { once: true });
  return channelOpened(channel);
}

const until = async (what: string, check: () => boolean, ms = 10_000) => {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

afterEach(() => {
  for (const links of nodes.values()) links.dispose();
  nodes.clear();
  incoming.clear();
  // No test here sets out to fail a connection: one that failed anyway fails the test it happened in.
  const failed = failures.splice(0);
  assert(failed.length === 0, `a connection failed: ${failed.join('; ')}`);
});

describe('peer connections (PeerConnections)', () => {
  it('opens one connection per peer and tracks whether it is idle', async () => {
    const a = node('a');
    node('b');
    const channel = await openChannel(a.get('b'), 'shoal/1');
    const again = await openChannel(a.get('b'), 'shoal/1');
    assert(a.size === 1, 'one connection for two channels');
    assert(a.get('b').openChannels === 2 && a.get('b').idleSince === undefined, 'busy while channels are open');
    channel.close();
    again.close();
    await until('channels to close', () => a.get('b').openChannels === 0);
    assert(a.get('b').idleSince !== undefined, 'idle once the last channel closed');
  });

  it('at the cap, closes the connection idle longest, and refuses when every one is busy', async () => {
    const a = node('a', 2);
    for (const id of ['b', 'c', 'd', 'e']) node(id);
    await openChannel(a.get('b'), 'shoal/1'); // stays open: busy
    const toC = await openChannel(a.get('c'), 'shoal/1');
    toC.close();
    await until('c to be idle', () => a.get('c').idleSince !== undefined);
    await openChannel(a.get('d'), 'shoal/1');
    assert(a.size === 2 && !a.has('c') && a.has('b') && a.has('d'), 'the idle connection to c made room for d');
    let refused: unknown;
    try {
      a.get('e');
    } catch (error) {
      refused = error;
    }
    assert(refused instanceof ConnectionLimitError, 'no room while b and d are busy');
    assert(a.size === 2 && a.has('b'), 'busy connections are never closed for a new one');
  });

  it('restarts ICE on a live connection without losing its channel', async () => {
    const a = node('a');
    node('b');
    const channel = await openChannel(a.get('b'), 'shoal/1');
    await until('b to see the channel', () => (incoming.get('b<-a')?.[0]?.readyState ?? '') === 'open');
    const ufrag = () => /a=ice-ufrag:(\S+)/.exec(a.get('b').pc.localDescription?.sdp ?? '')?.[1];
    const before = ufrag();
    a.get('b').restartIce();
    await until('new ICE credentials', () => ufrag() !== before && a.get('b').pc.signalingState === 'stable');
    await until('connected again', () => a.get('b').pc.connectionState === 'connected');
    const received = new Promise<string>((resolve) => (incoming.get('b<-a')![0]!.onmessage = (e) => resolve(String(e.data))));
    channel.send('still here');
    assert((await received) === 'still here', 'the channel carries data after the restart');
  });

  it('explains why a connection cannot work', async () => {
    const pc = new RTCPeerConnection();
    pc.createDataChannel('x');
    await pc.setLocalDescription();
    const reason = await describeFailure(pc);
    pc.close();
    assert(/negotiation did not complete/.test(reason), reason);
  });
});
