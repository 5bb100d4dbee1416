/** Server configuration from the environment, with the embedded defaults `npm start` runs on. */
import { randomBytes } from 'node:crypto';
import { parseNetwork } from './turn/peer-address-policy.js';

export interface ServerConfig {
  env: string;
  port: number;
  host: string;
  stunPort: number;
  turnPort: number;
  /** Address the STUN/TURN process listens and relays on. */
  turnListenIp: string;
  /** Host name or address put in the STUN/TURN urls handed to browsers. */
  turnPublicHost: string;
  /** HMAC key for TURN REST credentials; random per run unless set (then shared with an external TURN). */
  turnSecret: string;
  /** Seconds a TURN credential stays valid. */
  turnCredentialTtl: number;
  /** Lets the TURN relay reach loopback peers; tests only. */
  turnAllowLoopback: boolean;
  /** Networks the relay may reach although its deny list covers them (TURN_ALLOW_PEERS, comma-separated CIDR): a lab's "internet". */
  turnAllowPeers: string[];
  /** Address relays are reached at, when they bind a wildcard or sit behind NAT ('' for the listen address). */
  turnExternalIp: string;
  /** UDP ports relays bind, inclusive. */
  turnRelayPorts: [number, number];
  /** Relay ports held (allocations and reservations) per credential, per client address, in all. */
  turnQuotas: { perUser: number; perClient: number; total: number };
  /** Allocate requests per second one client address may make after a burst of its quota. */
  turnAllocationsPerSecond: number;
  /** Bandwidth cap of one allocation, each direction, in kbit/s (0: none). */
  turnAllocationKbps: number;
  /** Folder with the built page (index.html, app.js, sw.js…). */
  webRoot: string;
  /** Redis shared by several instances (REDIS_URL, redis:// or rediss://); undefined keeps everything in memory. */
  redisUrl: string | undefined;
  /** External TURN servers handed to browsers instead of ours (TURN_URLS, e.g. coturn with use-auth-secret). */
  turnUrls: string[] | undefined;
  /** Origins allowed to open /signaling (ALLOWED_ORIGINS, comma-separated); undefined allows any. */
  allowedOrigins: string[] | undefined;
  /** Proxies in front of us that append to X-Forwarded-For (TRUST_PROXY: 1/true for one, N for a chain); 0 trusts none. */
  trustedProxyHops: number;
  /** Key of the address rooms' names (ROOM_SECRET); undefined: random per run, or shared through Redis. */
  roomSecret: string | undefined;
  /** Open signaling sockets per client address (SIGNALING_MAX_SOCKETS_PER_IP). */
  maxSocketsPerIp: number;
  /** Multiplies the per-address signaling budgets (SIGNALING_ADDRESS_BUDGET_SCALE): for many users behind one address. */
  addressBudgetScale: number;
  /** Bearer token for /metrics and /api/health details (METRICS_TOKEN); without it, loopback clients only. */
  metricsToken: string | undefined;
  /** Serve the bundles' source maps (SOURCE_MAPS=1); off in production so the sources are not published. */
  serveSourceMaps: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function port(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new ConfigError(`${key} must be a port number, got "${raw}"`);
  return value;
}

function positiveInteger(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${key} must be a positive integer, got "${raw}"`);
  return value;
}

function proxyHops(raw: string | undefined): number {
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return 0;
  if (raw === 'true') return 1;
  const hops = Number(raw);
  if (!Number.isInteger(hops) || hops < 1 || hops > 16) throw new ConfigError(`TRUST_PROXY must be 1 (or true) for one proxy, or the number of proxies in the chain (up to 16), got "${raw}"`);
  return hops;
}

function metricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16 || /\s/.test(raw)) throw new ConfigError('METRICS_TOKEN must be at least 16 characters without white space');
  return raw;
}

function allowPeers(raw: string | undefined): string[] {
  const list = (raw ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const network of list) {
    try {
      parseNetwork(network);
    } catch (error) {
      throw new ConfigError(`TURN_ALLOW_PEERS: ${(error as Error).message}`);
    }
  }
  return list;
}

function redisUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`REDIS_URL: "${raw}" is not a URL such as redis://redis:6379`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${url.protocol}"`);
  return url.href;
}

function turnUrls(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const list = raw.split(',').map((u) => u.trim()).filter((u) => u !== '');
  for (const url of list) {
    if (!/^turns?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$/.test(url)) {
      throw new ConfigError(`TURN_URLS: "${url}" is not a turn: or turns: URL such as turn:turn.example:3478?transport=udp`);
    }
  }
  return list;
}

function origins(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const list = raw.split(',').map((o) => o.trim()).filter((o) => o !== '');
  for (const origin of list) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(`ALLOWED_ORIGINS: "${origin}" is not an origin such as https://shoal.example`);
    }
    if (url.origin !== origin) throw new ConfigError(`ALLOWED_ORIGINS: "${origin}" is not an origin (scheme, host and port only), did you mean "${url.origin}"?`);
  }
  return list;
}

/**
 * One client address may hold at most this share of the relay ports, so that no single address
 * (with any number of free credentials) can lock everyone else out of the relay.
 */
export const MAX_CLIENT_SHARE_OF_RELAY_PORTS = 0.1;

function turnQuotas(env: NodeJS.ProcessEnv, [minPort, maxPort]: [number, number]): ServerConfig['turnQuotas'] {
  const ports = maxPort - minPort + 1;
  const clientCeiling = Math.max(1, Math.floor(ports * MAX_CLIENT_SHARE_OF_RELAY_PORTS));
  const quotas = {
    perUser: positiveInteger(env, 'TURN_USER_QUOTA', Math.min(32, clientCeiling)),
    perClient: positiveInteger(env, 'TURN_CLIENT_QUOTA', Math.min(64, clientCeiling)),
    total: positiveInteger(env, 'TURN_TOTAL_QUOTA', Math.min(2000, ports)),
  };
  if (quotas.perClient > clientCeiling) {
    throw new ConfigError(
      `TURN_CLIENT_QUOTA=${quotas.perClient} would let one address hold more than ${MAX_CLIENT_SHARE_OF_RELAY_PORTS * 100}% of the ${ports} relay ports (TURN_RELAY_PORTS); use at most ${clientCeiling}, or a wider port range`,
    );
  }
  if (quotas.total > ports) throw new ConfigError(`TURN_TOTAL_QUOTA=${quotas.total} is more than the ${ports} relay ports of TURN_RELAY_PORTS`);
  return quotas;
}

function nonNegativeInteger(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${key} must be a whole number (0 or more), got "${raw}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv, webRoot: string): ServerConfig {
  const ttl = Number(env.TURN_CREDENTIAL_TTL ?? 4 * 3600);
  if (!Number.isInteger(ttl) || ttl < 60) throw new ConfigError('TURN_CREDENTIAL_TTL must be at least 60 seconds');
  const turnListenIp = env.TURN_LISTEN_IP ?? '127.0.0.1';
  const relayPorts = /^(\d{1,5})-(\d{1,5})$/.exec(env.TURN_RELAY_PORTS ?? '49152-65535');
  const [minRelay, maxRelay] = relayPorts ? [Number(relayPorts[1]), Number(relayPorts[2])] : [NaN, NaN];
  if (!(minRelay >= 1024 && maxRelay <= 65535 && minRelay < maxRelay)) {
    throw new ConfigError(`TURN_RELAY_PORTS must be "min-max" within 1024-65535, got "${env.TURN_RELAY_PORTS}"`);
  }
  const wildcard = turnListenIp === '0.0.0.0' || turnListenIp === '::';
  const turnPublicHost = env.TURN_PUBLIC_HOST ?? turnListenIp;
  return {
    env: env.NODE_ENV ?? 'production',
    port: port(env, 'PORT', 8080),
    host: env.HOST ?? '0.0.0.0',
    stunPort: port(env, 'STUN_PORT', 3478),
    turnPort: port(env, 'TURN_PORT', 3479),
    turnListenIp,
    turnPublicHost,
    turnSecret: env.TURN_SECRET || randomBytes(32).toString('base64'),
    turnCredentialTtl: ttl,
    turnAllowLoopback: env.TURN_ALLOW_LOOPBACK === '1' || env.TURN_ALLOW_LOOPBACK === 'true',
    turnAllowPeers: allowPeers(env.TURN_ALLOW_PEERS),
    turnExternalIp: env.TURN_EXTERNAL_IP || (wildcard ? turnPublicHost : ''),
    turnRelayPorts: [minRelay, maxRelay],
    turnQuotas: turnQuotas(env, [minRelay, maxRelay]),
    turnAllocationsPerSecond: positiveInteger(env, 'TURN_ALLOCATIONS_PER_SECOND', 2),
    turnAllocationKbps: nonNegativeInteger(env, 'TURN_ALLOCATION_KBPS', 50_000),
    webRoot: env.WEB_ROOT ?? webRoot,
    allowedOrigins: origins(env.ALLOWED_ORIGINS),
    turnUrls: turnUrls(env.TURN_URLS),
    redisUrl: redisUrl(env.REDIS_URL),
    trustedProxyHops: proxyHops(env.TRUST_PROXY),
    roomSecret: env.ROOM_SECRET || undefined,
    maxSocketsPerIp: positiveInteger(env, 'SIGNALING_MAX_SOCKETS_PER_IP', 64),
    addressBudgetScale: positiveInteger(env, 'SIGNALING_ADDRESS_BUDGET_SCALE', 1),
    metricsToken: metricsToken(env.METRICS_TOKEN),
    serveSourceMaps: env.SOURCE_MAPS ? env.SOURCE_MAPS === '1' || env.SOURCE_MAPS === 'true' : env.NODE_ENV === 'development',
  };
}
