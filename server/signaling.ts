/**
 * The /signaling WebSocket: validates every client frame against protocol/, stamps `from`, relays
 * only between peers of one room and answers each refusal with a typed error to that client alone.
 */
import { randomBytes } from 'node:crypto';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import {
  MAX_ANNOUNCED_SHARES,
  MAX_SIGNALING_MESSAGE_BYTES,
  parseClientMessage,
  SignalingMessageError,
  type ClientMessage,
  type ServerMessage,
  type SignalingErrorCode,
  type PeerInfo,
  type ShareSummary,
} from '../protocol/index.js';
import { addressRoomName } from './address-room.js';
import type { Bus, RemoteMember, RoomEvent } from './bus.js';
import { clientAddress } from './client-address.js';
import type { Logger } from './log.js';
import { ResumableSessions, type ResumableSession } from './resumable-sessions.js';
import { RoomFullError, Rooms } from './rooms.js';
import { TokenBucket } from './token-bucket.js';

/** 50 messages at once, 20/s sustained: a connection's ICE burst fits, a flood does not. */
const RATE_BURST = 50;
const RATE_PER_SECOND = 20;
/** A client that keeps breaking the rules is closed after this many errors. */
const MAX_ERRORS = 20;
/** A disconnected peer may take its identity and announcements back for this long. */
export const RESUME_TTL_MS = 60_000;
/** Bytes queued to a slow client before uWS closes it rather than buffer more. */
const MAX_BACKPRESSURE = 1024 * 1024;

export interface PeerSocketData {
  peerId: string;
  ip: string;
  name: string;
  bucket: TokenBucket;
  errors: number;
  /** Origin header, checked once the socket is open (so the refusal can be a typed message). */
  origin: string;
  resumeToken: string | undefined;
  /** With a bus, a socket's messages are handled strictly in order (joining a room awaits Redis). */
  queue: Promise<void>;
  closed: boolean;
}

export interface SignalingOptions {
  /** Origins allowed to connect (exact match, e.g. https://shoal.example); undefined allows any. */
  allowedOrigins?: string[] | undefined;
  /** Proxies in front of us that append to X-Forwarded-For (0: take the socket's address). */
  trustedProxyHops?: number;
  /** Key of the address rooms' names (shared by every instance of one deployment). */
  roomSecret: string;
  /** Open sockets per client address. */
  maxSocketsPerIp?: number;
  now?: () => number;
  /** Told of every accepted message (by type) and every refusal (by code), e.g. for /metrics. */
  onAccepted?: (type: string) => void;
  onRefused?: (code: SignalingErrorCode) => void;
  /** Shares rooms with other instances (Redis); without it, everything is in this process. */
  bus?: Bus | undefined;
}



export class SignalingServer {
  readonly rooms = new Rooms();
  readonly #sockets = new Map<string, WebSocket<PeerSocketData>>();
  readonly #socketsPerIp = new Map<string, number>();
  readonly #resumable: ResumableSessions;
  /** Peers of other instances in rooms this instance watches, with their instance. */
  readonly #remote = new Map<string, string>();
  /** Rooms whose bus events this instance follows (it has local members there). */
  readonly #watched = new Map<string, Promise<void>>();
  readonly #now: () => number;

  constructor(
    private readonly log: Logger,
    private readonly options: SignalingOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#resumable = new ResumableSessions({ ttlMs: RESUME_TTL_MS, now: this.#now });
  }

  get socketCount(): number {
    return this.#sockets.size;
  }

  attach(app: TemplatedApp, path = '/signaling'): void {
    app.ws<PeerSocketData>(path, {
      maxPayloadLength: MAX_SIGNALING_MESSAGE_BYTES,
      maxBackpressure: MAX_BACKPRESSURE,
      closeOnBackpressureLimit: 1, // typed as a number in this build
      idleTimeout: 120,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const ip = clientAddress(Buffer.from(res.getRemoteAddressAsText()).toString(), req.getHeader('x-forwarded-for'), this.options.trustedProxyHops ?? 0);
        res.upgrade<PeerSocketData>(
          {
            peerId: randomBytes(12).toString('base64url'),
            ip,
            name: '',
            bucket: new TokenBucket(RATE_BURST, RATE_PER_SECOND),
            errors: 0,
            origin: req.getHeader('origin'),
            resumeToken: undefined,
            queue: Promise.resolve(),
            closed: false,
          },
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => {
        const data = ws.getUserData();
        const allowed = this.options.allowedOrigins;
        if (allowed && !allowed.includes(data.origin)) {
          this.#send(ws, { type: 'error', code: 'origin-not-allowed', message: `origin ${JSON.stringify(data.origin.slice(0, 100))} may not use this server` });
          return ws.end(1008, 'origin not allowed');
        }
        const count = (this.#socketsPerIp.get(data.ip) ?? 0) + 1;
        this.#socketsPerIp.set(data.ip, count);
        this.#sockets.set(data.peerId, ws);
        if (count > (this.options.maxSocketsPerIp ?? 64)) {
          this.#send(ws, { type: 'error', code: 'limit', message: 'too many connections from your address' });
          ws.end(1008, 'too many connections');
        }
      },
      message: (ws, message, isBinary) => this.#onMessage(ws, message, isBinary),
      close: (ws) => {
        const data = ws.getUserData();
        data.closed = true;
        if (this.#sockets.get(data.peerId) !== ws) return; // refused before it was counted
        this.#sockets.delete(data.peerId);
        const left = (this.#socketsPerIp.get(data.ip) ?? 1) - 1;
        if (left > 0) this.#socketsPerIp.set(data.ip, left);
        else this.#socketsPerIp.delete(data.ip);
        const room = this.rooms.roomOf(data.peerId);
        if (room !== undefined && data.resumeToken) {
          this.#resumable.keep(data.resumeToken, { peerId: data.peerId, name: data.name, room, shares: this.rooms.sharesOf(data.peerId) });
        }
        this.#leave(data.peerId);
      },
    });
  }

  /** Tells every client the server is going away and closes its socket. */
  closeAll(): void {
    for (const ws of this.#sockets.values()) ws.end(1001, 'server shutting down');
  }

  #send(ws: WebSocket<PeerSocketData>, message: ServerMessage): void {
    ws.send(JSON.stringify(message), false);
  }

  /** To a peer on this instance, or through the bus to the instance it is on. */
  #sendTo(peerId: string, message: ServerMessage): void {
    const ws = this.#sockets.get(peerId);
    if (ws) return this.#send(ws, message);
    const instance = this.#remote.get(peerId);
    if (instance) this.options.bus?.deliver(instance, peerId, message);
  }

  /** A message the bus brought for one of our peers. */
  deliverLocal(peerId: string, message: ServerMessage): void {
    const ws = this.#sockets.get(peerId);
    if (ws) this.#send(ws, message);
  }

  /** Room news goes to this instance's members; other instances tell their own. */
  #broadcastLocal(room: string, except: string, message: ServerMessage): void {
    for (const peerId of this.rooms.members(room)) if (peerId !== except && this.#sockets.has(peerId)) this.#send(this.#sockets.get(peerId)!, message);
  }

  #member(peerId: string): RemoteMember {
    return { peer: { peerId, name: this.#sockets.get(peerId)?.getUserData().name ?? '' }, shares: this.rooms.sharesOf(peerId), instance: this.options.bus!.instanceId };
  }

  /** Follows a room's bus events and takes in its members on other instances. */
  #watch(room: string): Promise<void> {
    const bus = this.options.bus!;
    let watching = this.#watched.get(room);
    if (!watching) {
      watching = bus.watchRoom(room, (event) => this.#onRoomEvent(event)).then((members) => {
        for (const member of members) this.#addRemote(room, member.peer, member.instance, member.shares);
      });
      watching.catch(() => this.#watched.delete(room));
      this.#watched.set(room, watching);
    }
    return watching;
  }

  #addRemote(room: string, peer: PeerInfo, instance: string, shares: ShareSummary[]): void {
    if (this.#sockets.has(peer.peerId)) return;
    try {
      this.rooms.join(room, peer);
    } catch (error) {
      if (error instanceof RoomFullError) return;
      throw error;
    }
    this.#remote.set(peer.peerId, instance);
    if (shares.length > 0) this.rooms.announce(peer.peerId, shares, MAX_ANNOUNCED_SHARES);
  }

  #onRoomEvent(event: RoomEvent): void {
    switch (event.kind) {
      case 'joined':
        if (this.#sockets.has(event.peer.peerId)) return;
        this.#addRemote(event.room, event.peer, event.instance, []);
        return this.#broadcastLocal(event.room, event.peer.peerId, { type: 'peer-joined', peerId: event.peer.peerId, name: event.peer.name });
      case 'left':
        if (this.#remote.get(event.peerId) !== event.instance) return;
        this.#remote.delete(event.peerId);
        this.rooms.leave(event.peerId);
        return this.#broadcastLocal(event.room, event.peerId, { type: 'peer-left', peerId: event.peerId });
      case 'announced':
        if (this.#remote.get(event.peerId) !== event.instance) return;
        this.rooms.announce(event.peerId, event.shares, MAX_ANNOUNCED_SHARES);
        return this.#broadcastLocal(event.room, event.peerId, { type: 'announce-file', from: event.peerId, shares: event.shares });
    }
  }

  #refuse(ws: WebSocket<PeerSocketData>, code: SignalingErrorCode, message: string): void {
    const data = ws.getUserData();
    data.errors++;
    this.options.onRefused?.(code);
    this.log.debug('refused a signaling message', { peerId: data.peerId, ip: data.ip, code, reason: message });
    this.#send(ws, { type: 'error', code, message });
    if (data.errors >= MAX_ERRORS) {
      this.log.warn('closing a client that keeps sending bad messages', { peerId: data.peerId, ip: data.ip });
      ws.end(1008, 'too many bad messages');
    }
  }

  #onMessage(ws: WebSocket<PeerSocketData>, raw: ArrayBuffer, isBinary: boolean): void {
    const data = ws.getUserData();
    if (!data.bucket.take()) return this.#refuse(ws, 'rate-limited', 'too many messages; slow down');
    if (isBinary) return this.#refuse(ws, 'bad-message', 'binary frames are not accepted');
    let message: ClientMessage;
    try {
      message = parseClientMessage(Buffer.from(raw).toString('utf8'));
    } catch (error) {
      if (error instanceof SignalingMessageError) return this.#refuse(ws, error.code, error.message);
      throw error;
    }
    this.options.onAccepted?.(message.type);
    if (!this.options.bus) return void this.#handle(ws, data, message);
    data.queue = data.queue
      .then(() => (data.closed ? undefined : this.#handle(ws, data, message)))
      .catch((error: Error) => this.log.warn('signaling message failed', { peerId: data.peerId, error: error.message }));
  }

  #handle(ws: WebSocket<PeerSocketData>, data: PeerSocketData, message: ClientMessage): void | Promise<void> {
    const { peerId } = data;
    if (message.type === 'ping') return this.#send(ws, { type: 'pong' });
    if (message.type === 'join-room') return this.#join(ws, data, message);
    if (this.rooms.roomOf(peerId) === undefined) return this.#refuse(ws, 'not-in-room', 'join a room first');
    switch (message.type) {
      case 'offer':
      case 'answer':
      case 'ice-candidate': {
        if (!this.rooms.sameRoom(peerId, message.to)) return this.#refuse(ws, 'unknown-peer', 'no such peer in your room');
        const { to, ...rest } = message;
        return this.#sendTo(to, { ...rest, from: peerId } as ServerMessage);
      }
      case 'announce-file': {
        this.rooms.announce(peerId, message.shares, MAX_ANNOUNCED_SHARES);
        const room = this.rooms.roomOf(peerId)!;
        this.#broadcastLocal(room, peerId, { type: 'announce-file', from: peerId, shares: message.shares });
        this.options.bus?.publish({ kind: 'announced', room, peerId, shares: message.shares, instance: this.options.bus.instanceId }, this.#member(peerId));
        return;
      }
      case 'request-file':
        return this.#send(ws, { type: 'files', holders: this.rooms.holders(peerId, message.id) });
    }
  }

  async #join(ws: WebSocket<PeerSocketData>, data: PeerSocketData, message: Extract<ClientMessage, { type: 'join-room' }>): Promise<void> {
    const room = message.room ?? addressRoomName(data.ip, this.options.roomSecret);
    if (this.options.bus) {
      await this.#watch(room);
      if (data.closed) return;
    }
    const name = message.name ?? '';
    // A valid resume token gives back the old identity (and its announcements, if it rejoins that room).
    const resumed: ResumableSession | undefined = message.resume ? this.#resumable.take(message.resume) : undefined;
    if (resumed && resumed.peerId !== data.peerId && !this.#sockets.has(resumed.peerId)) {
      this.#leave(data.peerId);
      this.#sockets.delete(data.peerId);
      data.peerId = resumed.peerId;
      this.#sockets.set(data.peerId, ws);
    }
    data.name = name;
    this.#leave(data.peerId);
    let peers;
    try {
      peers = this.rooms.join(room, { peerId: data.peerId, name });
    } catch (error) {
      if (error instanceof RoomFullError) return this.#refuse(ws, 'room-full', error.message);
      throw error;
    }
    const restored = resumed && resumed.peerId === data.peerId && resumed.room === room ? resumed.shares : [];
    if (restored.length > 0) this.rooms.announce(data.peerId, restored, MAX_ANNOUNCED_SHARES);
    data.resumeToken = randomBytes(24).toString('base64url');
    this.#send(ws, { type: 'welcome', peerId: data.peerId, room, name, peers, resumeToken: data.resumeToken, resumed: resumed?.peerId === data.peerId });
    this.#send(ws, { type: 'files', holders: this.rooms.holders(data.peerId) });
    this.#broadcastLocal(room, data.peerId, { type: 'peer-joined', peerId: data.peerId, name });
    if (restored.length > 0) this.#broadcastLocal(room, data.peerId, { type: 'announce-file', from: data.peerId, shares: restored });
    const bus = this.options.bus;
    if (bus) {
      bus.publish({ kind: 'joined', room, peer: { peerId: data.peerId, name }, instance: bus.instanceId }, this.#member(data.peerId));
      if (restored.length > 0) bus.publish({ kind: 'announced', room, peerId: data.peerId, shares: restored, instance: bus.instanceId }, this.#member(data.peerId));
    }
  }

  /** A peer of this instance leaves its room. */
  #leave(peerId: string): void {
    const left = this.rooms.leave(peerId);
    if (!left) return;
    this.#broadcastLocal(left.room, peerId, { type: 'peer-left', peerId });
    const bus = this.options.bus;
    if (!bus) return;
    bus.publish({ kind: 'left', room: left.room, peerId, instance: bus.instanceId });
    if (!left.remaining.some((id) => this.#sockets.has(id) && id !== peerId)) {
      // No member of ours is left there: stop following the room and forget its remote members.
      bus.unwatchRoom(left.room);
      this.#watched.delete(left.room);
      for (const id of left.remaining) {
        if (this.#remote.delete(id)) this.rooms.leave(id);
      }
    }
  }
}
