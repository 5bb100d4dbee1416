/**
 * The /signaling WebSocket: validates every client frame against protocol/, stamps `from`, relays
 * only between peers of one room and answers each refusal with a typed error to that client alone.
 * What a client causes the server to send is budgeted per client address (signaling-limits.ts):
 * joins, snapshots and answers are paid from its egress budget, announcements fan out as deltas
 * paced by it (announce-fanout.ts). Rooms shared with other instances go through room-mirror.ts.
 */
import { randomBytes } from 'node:crypto';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import {
  MAX_ANNOUNCED_SHARES,
  MAX_SIGNALING_MESSAGE_BYTES,
  parseClientMessage,
  SIGNALING_MESSAGE_BURST,
  SIGNALING_MESSAGES_PER_SECOND,
  SignalingMessageError,
  type ClientMessage,
  type ServerMessage,
  type SignalingErrorCode,
} from '../protocol/index.js';
import { AddressBuckets } from './address-buckets.js';
import { addressRoomName } from './address-room.js';
import { AnnounceFanout } from './announce-fanout.js';
import type { Bus } from './bus.js';
import { clientAddress } from './client-address.js';
import type { Logger } from './log.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { ResumableSessions, type ResumableSession } from './resumable-sessions.js';
import { RoomMirror } from './room-mirror.js';
import { RoomFullError, Rooms } from './rooms.js';
import {
  EGRESS_BURST_BYTES,
  EGRESS_BYTES_PER_SECOND,
  FANOUT_FLUSH_MS,
  JOIN_BURST,
  JOINS_PER_SECOND,
  RENAME_BURST,
  RENAMES_PER_SECOND,
  MAX_HOLDERS_PER_ANSWER,
  MAX_SHARES_PER_ADDRESS,
  MAX_SHARES_PER_ROOM,
  MAX_SNAPSHOT_SHARES,
} from './signaling-limits.js';
import { TokenBucket } from './token-bucket.js';

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
  /** Multiplies the per-address egress and join budgets (many users behind one address, load tests). */
  addressBudgetScale?: number;
  now?: () => number;
  /** Told of every accepted message (by type) and every refusal (by code), e.g. for /metrics. */
  onAccepted?: (type: string) => void;
  onRefused?: (code: SignalingErrorCode) => void;
  /** Shares rooms with other instances (Redis); without it, everything is in this process. */
  bus?: Bus | undefined;
}

const ANNOUNCE_LIMITS = { perPeer: MAX_ANNOUNCED_SHARES, perRoom: MAX_SHARES_PER_ROOM };

export class SignalingServer {
  readonly rooms = new Rooms();
  readonly #sockets = new Map<string, WebSocket<PeerSocketData>>();
  /** The peers (sockets) of each client address. */
  readonly #peersOfAddress = new Map<string, Set<string>>();
  /** What each address may make the server send (see signaling-limits.ts), and how often it may join. */
  readonly #egress: AddressBuckets;
  readonly #joins: AddressBuckets;
  readonly #renames: AddressBuckets;
  readonly #fanout: AnnounceFanout;
  #timer: ReturnType<typeof setInterval> | undefined;
  #shuttingDown = false;
  readonly #resumable: ResumableSessions;
  /** Rooms shared with other instances (with a bus). */
  readonly #mirror: RoomMirror | undefined;
  readonly #now: () => number;
  /** Warnings a client can cause (one per offender it closes): at most 20 lines per 10 s. */
  readonly #clientLog: RateLimitedLog;

  constructor(
    private readonly log: Logger,
    private readonly options: SignalingOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#resumable = new ResumableSessions({ ttlMs: RESUME_TTL_MS, now: this.#now });
    this.#clientLog = new RateLimitedLog((line) => log.warn(line), { prefix: 'signaling', now: this.#now });
    const scale = options.addressBudgetScale ?? 1;
    this.#egress = new AddressBuckets(EGRESS_BURST_BYTES * scale, EGRESS_BYTES_PER_SECOND * scale, this.#now);
    this.#joins = new AddressBuckets(JOIN_BURST * scale, JOINS_PER_SECOND * scale, this.#now);
    this.#renames = new AddressBuckets(RENAME_BURST * scale, RENAMES_PER_SECOND * scale, this.#now);
    this.#fanout = new AnnounceFanout({
      egress: this.#egress,
      addressOf: (peerId) => this.#sockets.get(peerId)?.getUserData().ip,
      recipientsOf: (peerId) => this.rooms.roommates(peerId).filter((id) => this.#sockets.has(id)),
      send: (to, message) => this.#send(this.#sockets.get(to)!, message),
    });
    this.#mirror = options.bus
      ? new RoomMirror({
          bus: options.bus,
          rooms: this.rooms,
          announceLimits: ANNOUNCE_LIMITS,
          isLocal: (peerId) => this.#sockets.has(peerId),
          nameOf: (peerId) => this.#sockets.get(peerId)?.getUserData().name ?? '',
          broadcastLocal: (room, except, message) => void this.#broadcastLocal(room, except, message),
        })
      : undefined;
  }


  get socketCount(): number {
    return this.#sockets.size;
  }

  attach(app: TemplatedApp, path = '/signaling'): void {
    let ticks = 0;
    this.#timer = setInterval(() => {
      this.#fanout.flush();
      if (++ticks % 40 === 0) {
        this.#egress.sweep();
        this.#joins.sweep();
        this.#renames.sweep();
      }
    }, FANOUT_FLUSH_MS);
    this.#timer.unref();
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
            bucket: new TokenBucket(SIGNALING_MESSAGE_BURST, SIGNALING_MESSAGES_PER_SECOND),
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
        const peers = this.#peersOfAddress.get(data.ip) ?? new Set<string>();
        this.#peersOfAddress.set(data.ip, peers.add(data.peerId));
        this.#sockets.set(data.peerId, ws);
        if (peers.size > (this.options.maxSocketsPerIp ?? 64)) {
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
        const peers = this.#peersOfAddress.get(data.ip);
        peers?.delete(data.peerId);
        if (peers?.size === 0) this.#peersOfAddress.delete(data.ip);
        const room = this.rooms.roomOf(data.peerId);
        if (room !== undefined && data.resumeToken) {
          this.#resumable.keep(data.resumeToken, { address: data.ip, peerId: data.peerId, name: data.name, room, shares: this.rooms.sharesOf(data.peerId) });
        }
        this.#leave(data.peerId);
      },
    });
  }

  /**
   * Tells every client the server is going away and closes its socket. No one is told that its
   * roommates left: they have not, they are reconnecting, and their peer connections carry on.
   */
  closeAll(): void {
    this.#shuttingDown = true;
    clearInterval(this.#timer);
    for (const ws of this.#sockets.values()) ws.end(1001, 'server shutting down');
  }

  /** Sends one message; returns its size in bytes (what it costs whoever caused it). */
  #send(ws: WebSocket<PeerSocketData>, message: ServerMessage): number {
    const text = JSON.stringify(message);
    ws.send(text, false);
    return text.length;
  }

  /** To a peer on this instance, or through the bus to the instance it is on. */
  #sendTo(peerId: string, message: ServerMessage): void {
    const ws = this.#sockets.get(peerId);
    if (ws) this.#send(ws, message);
    else this.#mirror?.deliver(peerId, message);
  }

  /** A message the bus brought for one of our peers. */
  deliverLocal(peerId: string, message: ServerMessage): void {
    const ws = this.#sockets.get(peerId);
    if (ws) this.#send(ws, message);
  }

  /** Room news goes to this instance's members; other instances tell their own. Returns the bytes sent. */
  #broadcastLocal(room: string, except: string, message: ServerMessage): number {
    const text = JSON.stringify(message);
    let sent = 0;
    for (const peerId of this.rooms.members(room)) {
      const ws = peerId === except ? undefined : this.#sockets.get(peerId);
      if (!ws) continue;
      ws.send(text, false);
      sent += text.length;
    }
    return sent;
  }

  #refuse(ws: WebSocket<PeerSocketData>, code: SignalingErrorCode, message: string): void {
    const data = ws.getUserData();
    data.errors++;
    this.options.onRefused?.(code);
    this.log.debug('refused a signaling message', { peerId: data.peerId, ip: data.ip, code, reason: message });
    this.#send(ws, { type: 'error', code, message });
    if (data.errors >= MAX_ERRORS) {
      this.#clientLog.line(`closing a client that keeps sending bad messages (${data.ip})`);
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
      .catch((error: Error) => this.#clientLog.line(`a message from ${data.ip} failed: ${error.message}`));
  }

  #handle(ws: WebSocket<PeerSocketData>, data: PeerSocketData, message: ClientMessage): void | Promise<void> {
    const { peerId } = data;
    if (message.type === 'ping') return void this.#send(ws, { type: 'pong' });
    if (message.type === 'join-room') return this.#join(ws, data, message);
    if (this.rooms.roomOf(peerId) === undefined) return this.#refuse(ws, 'not-in-room', 'join a room first');
    const egress = this.#egress.for(data.ip);
    switch (message.type) {
      case 'offer':
      case 'answer':
      case 'ice-candidate': {
        // One message in, one out: bounded by the socket's message rate, not by the egress budget.
        if (!this.rooms.sameRoom(peerId, message.to)) return this.#refuse(ws, 'unknown-peer', 'no such peer in your room');
        const { to, ...rest } = message;
        return this.#sendTo(to, { ...rest, from: peerId } as ServerMessage);
      }
      case 'announce-file': {
        const addressLeft = MAX_SHARES_PER_ADDRESS - this.#sharesOfAddress(data.ip);
        const { added, refused } = this.rooms.announce(peerId, message.shares, { ...ANNOUNCE_LIMITS, perCall: Math.max(0, addressLeft) });
        this.#fanout.announce(peerId, added);
        if (added.length > 0) this.#mirror?.announced(this.rooms.roomOf(peerId)!, peerId, added);
        if (refused > 0) {
          return this.#refuse(ws, 'limit', `${refused} shares were not announced: at most ${MAX_ANNOUNCED_SHARES} per connection, ${MAX_SHARES_PER_ADDRESS} per address and ${MAX_SHARES_PER_ROOM} per room`);
        }
        return;
      }
      case 'withdraw-file': {
        // Only what was announced can be withdrawn, once per announcement (which was paid for): the
        // news is paced by the same budget as announcements, and cancels one still waiting.
        const removed = this.rooms.withdraw(peerId, message.ids);
        this.#fanout.withdraw(peerId, removed);
        if (removed.length > 0) this.#mirror?.withdrawn(this.rooms.roomOf(peerId)!, peerId, removed);
        return;
      }
      case 'rename': {
        // One message to the whole room: paced per address (signaling-limits.ts) and paid from its egress budget.
        if (!this.#renames.for(data.ip).take()) return this.#refuse(ws, 'rate-limited', 'too many name changes from your address; try again in a few seconds');
        if (!egress.hasCredit()) return this.#refuseBudget(ws);
        data.name = message.name;
        this.rooms.rename(peerId, message.name);
        const room = this.rooms.roomOf(peerId)!;
        egress.spend(this.#broadcastLocal(room, peerId, { type: 'peer-renamed', peerId, name: message.name }));
        this.#mirror?.renamed(room, peerId);
        return;
      }
      case 'request-file':
        if (!egress.hasCredit()) return this.#refuseBudget(ws);
        return egress.spend(this.#send(ws, { type: 'files', holders: this.rooms.holders(peerId, message.id, MAX_HOLDERS_PER_ANSWER) }));
    }
  }

  #refuseBudget(ws: WebSocket<PeerSocketData>): void {
    this.#refuse(ws, 'rate-limited', 'your address has used its share of the server for now; try again in a few seconds');
  }

  /** Shares announced by every socket of one address together. */
  #sharesOfAddress(address: string): number {
    let count = 0;
    for (const peerId of this.#peersOfAddress.get(address) ?? []) count += this.rooms.shareCountOf(peerId);
    return count;
  }

  async #join(ws: WebSocket<PeerSocketData>, data: PeerSocketData, message: Extract<ClientMessage, { type: 'join-room' }>): Promise<void> {
    // A join costs the room a peer-left and a peer-joined, and the joiner its welcome and snapshot.
    if (!this.#joins.for(data.ip).take()) return this.#refuse(ws, 'rate-limited', 'too many room joins from your address; try again in a few seconds');
    const egress = this.#egress.for(data.ip);
    if (!egress.hasCredit()) return this.#refuseBudget(ws);
    const room = message.room ?? addressRoomName(data.ip, this.options.roomSecret);
    if (this.#mirror) {
      await this.#mirror.watch(room);
      if (data.closed) return;
    }
    const name = message.name ?? '';
    // A valid resume token gives back the old identity (and its announcements, if it rejoins that room).
    const resumed: ResumableSession | undefined = message.resume ? this.#resumable.take(message.resume, data.ip) : undefined;
    let sent = 0;
    if (resumed && resumed.peerId !== data.peerId && !this.#sockets.has(resumed.peerId)) {
      sent += this.#leave(data.peerId);
      this.#sockets.delete(data.peerId);
      this.#peersOfAddress.get(data.ip)?.delete(data.peerId);
      data.peerId = resumed.peerId;
      this.#sockets.set(data.peerId, ws);
      this.#peersOfAddress.get(data.ip)?.add(data.peerId);
    }
    data.name = name;
    sent += this.#leave(data.peerId);
    let peers;
    try {
      peers = this.rooms.join(room, { peerId: data.peerId, name });
    } catch (error) {
      if (error instanceof RoomFullError) return this.#refuse(ws, 'room-full', error.message);
      throw error;
    }
    const resumedShares = resumed && resumed.peerId === data.peerId && resumed.room === room ? resumed.shares : [];
    const addressLeft = MAX_SHARES_PER_ADDRESS - this.#sharesOfAddress(data.ip);
    const restored = this.rooms.announce(data.peerId, resumedShares, { ...ANNOUNCE_LIMITS, perCall: Math.max(0, addressLeft) }).added;
    data.resumeToken = randomBytes(24).toString('base64url');
    sent += this.#send(ws, { type: 'welcome', peerId: data.peerId, room, name, peers, resumeToken: data.resumeToken, resumed: resumed?.peerId === data.peerId });
    sent += this.#send(ws, { type: 'files', holders: this.rooms.holders(data.peerId, undefined, MAX_SNAPSHOT_SHARES) });
    sent += this.#broadcastLocal(room, data.peerId, { type: 'peer-joined', peerId: data.peerId, name });
    egress.spend(sent);
    this.#fanout.announce(data.peerId, restored);
    this.#mirror?.joined(room, data.peerId, restored);
  }

  /** A peer of this instance leaves its room; returns the bytes that cost (the room's peer-left). */
  #leave(peerId: string): number {
    this.#fanout.drop(peerId);
    const left = this.rooms.leave(peerId);
    if (!left) return 0;
    const sent = this.#shuttingDown ? 0 : this.#broadcastLocal(left.room, peerId, { type: 'peer-left', peerId });
    this.#mirror?.left(left.room, peerId, left.remaining);
    return sent;
  }
}
