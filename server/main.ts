/** Entry point: loads config, starts the STUN/TURN child and the uWebSockets.js app, stops on signals. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { createRedisBus, type Bus } from './bus.js';
import type { SignalingServer } from './signaling.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { loadStaticFiles } from './static-files.js';
import { TurnSupervisor } from './turn/supervisor.js';
import { uWS, uwsImplementation } from './uws.js';

const here = dirname(fileURLToPath(import.meta.url));
const log = createLogger(process.env.NODE_ENV ?? 'production');

function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

let config;
try {
  config = loadConfig(process.env, join(here, '..', 'web'));
} catch (error) {
  if (error instanceof ConfigError) {
    log.error(error.message);
    process.exit(2);
  }
  throw error;
}

if (uwsImplementation === 'native') log.info('uWebSockets.js: native binary loaded');
else log.warn('uWebSockets.js: native binary did not load; running the slow JS fallback');

const turn = new TurnSupervisor({
  script: join(here, 'turn-process.js'),
  env: {
    ...process.env,
    TURN_SECRET: config.turnSecret,
    TURN_LISTEN_IP: config.turnListenIp,
    TURN_EXTERNAL_IP: config.turnExternalIp,
    TURN_RELAY_PORTS: config.turnRelayPorts.join('-'),
    STUN_PORT: String(config.stunPort),
    TURN_PORT: String(config.turnPort),
    TURN_ALLOW_LOOPBACK: config.turnAllowLoopback ? '1' : '0',
    TURN_ALLOW_PEERS: config.turnAllowPeers.join(','),
    TURN_USER_QUOTA: String(config.turnQuotas.perUser),
    TURN_CLIENT_QUOTA: String(config.turnQuotas.perClient),
    TURN_TOTAL_QUOTA: String(config.turnQuotas.total),
    TURN_ALLOCATIONS_PER_SECOND: String(config.turnAllocationsPerSecond),
    TURN_ALLOCATION_KBPS: String(config.turnAllocationKbps),
  },
  log,
});
turn.start();

// With REDIS_URL, instances share rooms through Redis; messages it delivers go to our sockets.
let signalingRef: SignalingServer | undefined;
let bus: Bus | undefined;
if (config.redisUrl) {
  try {
    bus = await createRedisBus(config.redisUrl, log, (peerId, message) => signalingRef?.deliverLocal(peerId, message));
    log.info('sharing rooms through Redis', { instance: bus.instanceId });
  } catch (error) {
    log.error(`cannot connect to Redis at ${config.redisUrl}: ${(error as Error).message}`);
    await turn.stop();
    process.exit(1);
  }
}

// Instances sharing rooms must name address rooms alike: without ROOM_SECRET they agree on one in Redis.
const roomSecret = config.roomSecret ?? (bus ? await bus.sharedSecret('room-secret') : randomBytes(32).toString('base64url'));
const { app, signaling } = createApp({ config, files: loadStaticFiles(config.webRoot, { sourceMaps: config.serveSourceMaps }), log, version: readVersion(), turnState: () => turn.state, turnRestarts: () => turn.restarts, bus, roomSecret });
signalingRef = signaling;

let listenSocket: uWS.us_listen_socket | false = false;
app.listen(config.host, config.port, (socket) => {
  if (!socket) {
    log.error(`could not listen on ${config.host}:${config.port}`);
    void turn.stop().then(() => process.exit(1));
    return;
  }
  listenSocket = socket;
  log.info(`Shoal listening on http://localhost:${uWS.us_socket_local_port(socket)}`, { env: config.env, uws: uwsImplementation });
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('shutting down', { signal });
  if (listenSocket) uWS.us_listen_socket_close(listenSocket);
  signaling.closeAll();
  await bus?.close();
  await turn.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
