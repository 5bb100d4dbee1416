/**
 * The STUN/TURN process, run as a child of the server (server/turn/supervisor.ts) so a crash here
 * cannot take signaling down. Two node-turn servers: STUN_PORT answers Binding requests only;
 * TURN_PORT relays for TURN REST credentials (restCredentialTable) to allowed peers only.
 */
import TurnServer from 'node-turn';
import { peerAddressPolicy } from './peer-address-policy.js';
import { restCredentialTable } from './rest-credentials.js';

interface TurnMessage {
  getAttribute(name: string): { address?: string } | undefined;
  getAttributes(name: string): { address?: string }[];
}
interface TurnReply {
  reject(code: number, reason: string): void;
}
type Handler = (msg: TurnMessage, reply: TurnReply) => void;
type MethodHost = Record<string, Handler>;

const env = process.env;
const listenIp = env.TURN_LISTEN_IP ?? '127.0.0.1';
const secret = env.TURN_SECRET;
if (!secret) {
  console.error('turn: TURN_SECRET is not set; refusing to run an open relay');
  process.exit(2);
}
const isAllowedPeer = peerAddressPolicy({ allowLoopback: env.TURN_ALLOW_LOOPBACK === '1' || env.TURN_ALLOW_LOOPBACK === 'true' });

function wrap(host: unknown, method: string, guard: (msg: TurnMessage, reply: TurnReply) => boolean): void {
  const target = host as MethodHost;
  const original = target[method]!.bind(target);
  target[method] = (msg, reply) => {
    if (guard(msg, reply)) original(msg, reply);
  };
}

function create(port: number, authMech: 'none' | 'long-term'): TurnServer {
  const server = new TurnServer({
    listeningPort: port,
    listeningIps: [listenIp],
    relayIps: [listenIp],
    // A relay bound to 0.0.0.0 must advertise the address browsers can reach.
    externalIps: env.TURN_EXTERNAL_IP || null,
    authMech,
    realm: 'shoal',
    debugLevel: (env.TURN_DEBUG ?? 'ERROR') as 'ERROR',
    log: (line: string) => console.log(`turn: ${line}`),
  });
  return server;
}

const stun = create(Number(env.STUN_PORT ?? 3478), 'none');
// STUN only: Binding needs no allocation; anything else on this port is refused.
wrap((stun as unknown as { allocate: unknown }).allocate, 'allocate', (_msg, reply) => {
  reply.reject(403, 'Forbidden: STUN only, use the TURN port');
  return false;
});

const turn = create(Number(env.TURN_PORT ?? 3479), 'long-term');
turn.authentification.credentials = restCredentialTable(secret);

const peersAllowed: (msg: TurnMessage, reply: TurnReply) => boolean = (msg, reply) => {
  const peers = msg.getAttributes('xor-peer-address');
  if (peers.every((peer) => peer.address !== undefined && isAllowedPeer(peer.address))) return true;
  reply.reject(403, 'Forbidden: peer address not allowed');
  return false;
};
const methods = turn as unknown as { createPermission: unknown; channelBind: unknown };
wrap(methods.createPermission, 'createPermission', peersAllowed);
wrap(methods.channelBind, 'channelBind', peersAllowed);

stun.start();
turn.start();
process.send?.({ type: 'ready' });
console.log(`turn: STUN on udp ${listenIp}:${env.STUN_PORT ?? 3478}, TURN on udp ${listenIp}:${env.TURN_PORT ?? 3479}`);

function stop(): void {
  stun.stop();
  turn.stop();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
