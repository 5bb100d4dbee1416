/**
 * The HTTP side of the server: one uWebSockets.js app serving the page, /api/health,
 * /api/ice-servers and the /signaling WebSocket.
 */
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { ServerConfig } from './config.js';
import type { Logger } from './log.js';
import type { Bus } from './bus.js';
import { Metrics } from './metrics.js';
import { isOperator } from './operator-access.js';
import { writeSecurityHeaders } from './security-headers.js';
import { SignalingServer } from './signaling.js';
import type { StaticFile } from './static-files.js';
import { issueTurnCredential } from './turn/rest-credentials.js';
import { uWS, uwsImplementation } from './uws.js';

export interface AppComponents {
  config: ServerConfig;
  files: Map<string, StaticFile>;
  log: Logger;
  version: string;
  turnState: () => string;
  turnRestarts?: () => number;
  bus?: Bus | undefined;
  /** Key of the address rooms' names: config.roomSecret, or one shared through the bus, or random. */
  roomSecret: string;
}

function json(res: HttpResponse, status: string, body: unknown): void {
  res.cork(() => {
    writeSecurityHeaders(res.writeStatus(status)).writeHeader('content-type', 'application/json').writeHeader('cache-control', 'no-store').end(JSON.stringify(body));
  });
}

const remoteAddress = (res: HttpResponse) => Buffer.from(res.getRemoteAddressAsText()).toString();

export function iceServersFor(config: ServerConfig, nowMs = Date.now()) {
  const { username, credential, expiresAt } = issueTurnCredential(config.turnSecret, config.turnCredentialTtl, nowMs);
  const host = config.turnPublicHost.includes(':') ? `[${config.turnPublicHost}]` : config.turnPublicHost;
  return {
    iceServers: [
      { urls: [`stun:${host}:${config.stunPort}`] },
      // An external TURN (TURN_URLS, sharing TURN_SECRET, like coturn's use-auth-secret) takes our relay's place.
      { urls: config.turnUrls ?? [`turn:${host}:${config.turnPort}?transport=udp`], username, credential },
    ],
    expiresAt,
  };
}

export function createApp({ config, files, log, version, turnState, turnRestarts = () => 0, bus, roomSecret }: AppComponents): { app: TemplatedApp; signaling: SignalingServer } {
  const app = uWS.App();
  let metrics: Metrics | undefined = undefined;
  const signaling = new SignalingServer(log, {
    allowedOrigins: config.allowedOrigins,
    trustedProxyHops: config.trustedProxyHops,
    roomSecret,
    maxSocketsPerIp: config.maxSocketsPerIp,
    addressBudgetScale: config.addressBudgetScale,
    onAccepted: (type) => metrics?.messages.inc({ type }),
    onRefused: (code) => metrics?.refusals.inc({ code }),
    bus,
  });
  metrics = new Metrics({
    sockets: () => signaling.socketCount,
    peers: () => signaling.rooms.peerCount,
    rooms: () => signaling.rooms.roomCount,
    turnUp: () => turnState() === 'running',
    turnRestarts,
  });
  const registry = metrics;
  const startedAt = Date.now();
  signaling.attach(app);

  const operatorAccess = { token: config.metricsToken, trustedProxyHops: config.trustedProxyHops };

  // A load balancer needs the status only ("degraded" while the TURN process is down); the rest is for the operator.
  app.get('/api/health', (res, req) => {
    const status = turnState() === 'running' ? 'ok' : 'degraded';
    if (!isOperator(operatorAccess, remoteAddress(res), req.getHeader('authorization'))) return json(res, '200 OK', { status });
    json(res, '200 OK', {
      status,
      version,
      uptime: Math.round((Date.now() - startedAt) / 1000),
      peers: signaling.rooms.peerCount,
      rooms: signaling.rooms.roomCount,
      turn: turnState(),
      redis: bus ? bus.state() : 'disabled',
      uws: uwsImplementation,
    });
  });

  app.get('/api/ice-servers', (res) => json(res, '200 OK', iceServersFor(config)));

  app.get('/metrics', (res, req) => {
    if (!isOperator(operatorAccess, remoteAddress(res), req.getHeader('authorization'))) {
      res.cork(() => writeSecurityHeaders(res.writeStatus('401 Unauthorized')).writeHeader('www-authenticate', 'Bearer').writeHeader('content-type', 'text/plain').end('metrics need a bearer token (METRICS_TOKEN)'));
      return;
    }
    let aborted = false;
    res.onAborted(() => (aborted = true));
    void registry.text().then((text) => {
      if (aborted) return;
      res.cork(() => writeSecurityHeaders(res.writeStatus('200 OK')).writeHeader('content-type', registry.contentType).writeHeader('cache-control', 'no-store').end(text));
    });
  });

  app.any('/api/*', (res) => json(res, '404 Not Found', { error: 'not-found' }));

  app.get('/*', (res, req) => {
    const url = req.getUrl();
    const ifNoneMatch = req.getHeader('if-none-match');
    // Client-side routes (/#/s/<id> never reaches us, but /s/<id> might) fall back to the shell.
    const file = files.get(url) ?? (extnameOf(url) === '' ? files.get('/') : undefined);
    res.cork(() => {
      if (!file) {
        writeSecurityHeaders(res.writeStatus('404 Not Found')).writeHeader('content-type', 'text/plain').end('not found');
        return;
      }
      const notModified = ifNoneMatch === file.etag;
      writeSecurityHeaders(res.writeStatus(notModified ? '304 Not Modified' : '200 OK'));
      res.writeHeader('cache-control', 'no-cache').writeHeader('etag', file.etag);
      if (notModified) {
        res.endWithoutBody();
        return;
      }
      res.writeHeader('content-type', file.contentType).end(file.body);
    });
  });

  return { app, signaling };
}

function extnameOf(url: string): string {
  const last = url.slice(url.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot <= 0 ? '' : last.slice(dot);
}
