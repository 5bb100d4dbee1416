/**
 * The STUN/TURN process, run as a child of the server (server/turn/supervisor.ts) so a crash here
 * cannot take signaling down.
 *   STUN_PORT: node-turn 0.0.6 answers Binding requests. A filter in front of its socket lets only
 *              well-formed Binding requests through (our bounded decoder): node-turn's own parser
 *              loops over every attribute of any datagram, and its other methods are not safe.
 *   TURN_PORT: our TURN relay (turn-server.ts) with TURN REST credentials and the peer filter.
 */
import type { RemoteInfo } from 'node:dgram';
import NodeTurn from 'node-turn';
import { isIP } from 'node:net';
import { peerAddressPolicy } from './peer-address-policy.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import { Attr, Class, decodeStun, Method } from './stun-codec.js';
import { TurnServer } from './turn-server.js';

const env = process.env;
const listenIp = env.TURN_LISTEN_IP ?? '127.0.0.1';
const secret = env.TURN_SECRET;
if (!secret) {
  console.error('turn: TURN_SECRET is not set; refusing to run an open relay');
  process.exit(2);
}
const allowLoopback = env.TURN_ALLOW_LOOPBACK === '1' || env.TURN_ALLOW_LOOPBACK === 'true';
const stunPort = Number(env.STUN_PORT ?? 3478);
const turnPort = Number(env.TURN_PORT ?? 3479);
const [minRelayPort, maxRelayPort] = (env.TURN_RELAY_PORTS ?? '49152-65535').split('-').map(Number) as [number, number];

/**
 * node-turn 0.0.6 throws (and logs a line) on a dozen attributes of unexpected length, e.g. a
 * zero-length MAPPED-ADDRESS or any ICE-CONTROLLING. A Binding request to a STUN server needs none
 * of them (browsers send none), so only these reach it.
 */
const ATTRIBUTES_NODE_TURN_HANDLES = new Set<number>([Attr.Software, Attr.Fingerprint]);

/** Only a Binding request our decoder accepts, with attributes node-turn handles, reaches node-turn. */
function isBindingRequest(data: Buffer): boolean {
  const decoded = decodeStun(data);
  if (!decoded.ok) return false;
  const { message } = decoded;
  return message.class === Class.Request && message.method === Method.Binding && message.attributes.every((a) => ATTRIBUTES_NODE_TURN_HANDLES.has(a.type));
}

const stun = new NodeTurn({
  listeningPort: stunPort,
  listeningIps: [listenIp],
  relayIps: [listenIp],
  authMech: 'none',
  realm: 'shoal',
  debugLevel: (env.TURN_DEBUG ?? 'ERROR') as 'ERROR',
  // node-turn logs per datagram (e.g. an attribute of length 0): whatever a remote party can make it say is rate-limited.
  log: ((log) => (line: string) => log.line(line))(new RateLimitedLog((line) => console.log(line), { prefix: 'stun' })),
});
stun.start();
for (const socket of stun.network.sockets) {
  const listeners = socket.listeners('message') as ((data: Buffer, rinfo: RemoteInfo) => void)[];
  socket.removeAllListeners('message');
  socket.on('message', (data: Buffer, rinfo: RemoteInfo) => {
    if (isBindingRequest(data)) for (const listener of listeners) listener(data, rinfo);
  });
}

const turn = new TurnServer({
  listenIp,
  port: turnPort,
  relayIp: listenIp,
  externalIp: env.TURN_EXTERNAL_IP || undefined,
  secret,
  // Besides its interfaces, the host is reached at its public address behind NAT and at the public host name's address.
  isAllowedPeer: peerAddressPolicy({
    allowLoopback,
    ownAddresses: [env.TURN_EXTERNAL_IP, env.TURN_PUBLIC_HOST, listenIp].filter((a): a is string => !!a && isIP(a) !== 0),
    allowedNetworks: (env.TURN_ALLOW_PEERS ?? '').split(',').filter((n) => n !== ''),
  }),
  minRelayPort,
  maxRelayPort,
  // The server's config.ts has checked these against the port range before starting us.
  ...(env.TURN_USER_QUOTA ? { maxAllocationsPerUser: Number(env.TURN_USER_QUOTA) } : {}),
  ...(env.TURN_TOTAL_QUOTA ? { maxAllocations: Number(env.TURN_TOTAL_QUOTA) } : {}),
  ...(env.TURN_CLIENT_QUOTA ? { maxAllocationsPerClient: Number(env.TURN_CLIENT_QUOTA), allocationBurstPerClient: Number(env.TURN_CLIENT_QUOTA) } : {}),
  ...(env.TURN_ALLOCATIONS_PER_SECOND ? { allocationsPerSecondPerClient: Number(env.TURN_ALLOCATIONS_PER_SECOND) } : {}),
  ...(env.TURN_ALLOCATION_KBPS ? { allocationKbps: Number(env.TURN_ALLOCATION_KBPS) } : {}),
});

try {
  await turn.listen();
} catch (error) {
  console.error(`turn: cannot listen on udp ${listenIp}:${turnPort}: ${(error as Error).message}`);
  process.exit(1);
}
process.send?.({ type: 'ready' });
console.log(`turn: STUN on udp ${listenIp}:${stunPort} (node-turn, Binding only), TURN on udp ${listenIp}:${turnPort} (relay ports ${minRelayPort}-${maxRelayPort})`);

function stop(): void {
  stun.stop();
  turn.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
