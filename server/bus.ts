/**
 * Several server instances share rooms through Redis (REDIS_URL): each room's members (name,
 * instance, announced shares) live in a hash, room events go out on the room's channel, and
 * messages for a peer on another instance go to that instance's channel. Each instance keeps a
 * heartbeat key; members of an instance whose heartbeat lapsed (it crashed) are ignored and removed.
 * Without REDIS_URL there is no bus and everything stays in memory.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { PeerInfo, ServerMessage, ShareSummary } from '../protocol/index.js';
import type { Logger } from './log.js';

export type RoomEvent =
  | { kind: 'joined'; room: string; peer: PeerInfo; instance: string }
  | { kind: 'left'; room: string; peerId: string; instance: string }
  | { kind: 'announced'; room: string; peerId: string; shares: ShareSummary[]; instance: string }
  | { kind: 'withdrawn'; room: string; peerId: string; ids: string[]; instance: string }
  | { kind: 'renamed'; room: string; peer: PeerInfo; instance: string };

export interface RemoteMember {
  peer: PeerInfo;
  shares: ShareSummary[];
  instance: string;
}

export interface Bus {
  readonly instanceId: string;
  readonly state: () => string;
  /** Subscribes to a room's events and returns its members on the bus (live instances only). */
  watchRoom(room: string, onEvent: (event: RoomEvent) => void): Promise<RemoteMember[]>;
  unwatchRoom(room: string): void;
  /** Records and broadcasts a change made on this instance. */
  publish(event: RoomEvent, member?: RemoteMember): void;
  /** A random secret every instance on this Redis agrees on: the first to ask creates it. */
  sharedSecret(name: string): Promise<string>;
  /** Sends a message to a peer connected to another instance. */
  deliver(instance: string, peerId: string, message: ServerMessage): void;
  close(): Promise<void>;
}

const HEARTBEAT_MS = 5_000;
const HEARTBEAT_TTL_S = 15;
const roomKey = (room: string) => `shoal:room:${room}`;
const roomChannel = (room: string) => `shoal:room-events:${room}`;
const instanceChannel = (id: string) => `shoal:to:${id}`;
const aliveKey = (id: string) => `shoal:alive:${id}`;

export async function createRedisBus(url: string, log: Logger, onDeliver: (peerId: string, message: ServerMessage) => void): Promise<Bus> {
  const instanceId = randomBytes(8).toString('base64url');
  let state = 'connecting';
  const client = createClient({ url, socket: { connectTimeout: 5_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5_000) } });
  const subscriber = client.duplicate();
  for (const [name, c] of [['commands', client], ['subscriber', subscriber]] as const) {
    c.on('error', (error: Error) => {
      if (state !== 'error') log.warn(`redis ${name}: ${error.message}`);
      state = 'error';
    });
    c.on('ready', () => (state = 'connected'));
  }
  const connectOrTimeout = (c: { connect(): Promise<unknown>; destroy(): void }) =>
    Promise.race([
      c.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no connection within 10 s')), 10_000).unref()),
    ]).catch((error: Error) => {
      c.destroy();
      throw error;
    });
  await connectOrTimeout(client);
  await connectOrTimeout(subscriber);
  state = 'connected';
  const beat = () => void client.set(aliveKey(instanceId), '1', { EX: HEARTBEAT_TTL_S }).catch(() => undefined);
  beat();
  const heartbeat = setInterval(beat, HEARTBEAT_MS);
  await subscriber.subscribe(instanceChannel(instanceId), (raw) => {
    try {
      const { peerId, message } = JSON.parse(raw) as { peerId: string; message: ServerMessage };
      onDeliver(peerId, message);
    } catch (error) {
      log.warn('redis: dropped a malformed delivery', { error: (error as Error).message });
    }
  });
  const fail = (what: string) => (error: Error) => log.warn(`redis: ${what} failed`, { error: error.message });

  return {
    instanceId,
    state: () => state,

    async watchRoom(room, onEvent) {
      await subscriber.subscribe(roomChannel(room), (raw) => {
        let event: RoomEvent;
        try {
          event = JSON.parse(raw) as RoomEvent;
        } catch {
          return;
        }
        if (event.instance !== instanceId && event.room === room) onEvent(event);
      });
      const stored = await client.hGetAll(roomKey(room));
      const members: RemoteMember[] = [];
      const alive = new Map<string, boolean>();
      for (const [peerId, raw] of Object.entries(stored)) {
        let member: RemoteMember;
        try {
          member = JSON.parse(raw) as RemoteMember;
        } catch {
          continue;
        }
        if (member.instance === instanceId || member.peer?.peerId !== peerId) continue;
        if (!alive.has(member.instance)) alive.set(member.instance, (await client.exists(aliveKey(member.instance))) === 1);
        if (alive.get(member.instance)) members.push(member);
        else void client.hDel(roomKey(room), peerId).catch(fail('removing a dead instance\'s member'));
      }
      return members;
    },

    unwatchRoom(room) {
      void subscriber.unsubscribe(roomChannel(room)).catch(fail('unsubscribe'));
    },

    publish(event, member) {
      const key = roomKey(event.room);
      const peerId = event.kind === 'joined' || event.kind === 'renamed' ? event.peer.peerId : event.peerId;
      const write = event.kind === 'left' ? client.hDel(key, peerId) : client.hSet(key, peerId, JSON.stringify(member));
      void write.then(() => client.publish(roomChannel(event.room), JSON.stringify(event))).catch(fail(`publishing ${event.kind}`));
    },

    async sharedSecret(name) {
      const key = `shoal:secret:${name}`;
      await client.set(key, randomBytes(32).toString('base64url'), { NX: true });
      const secret = await client.get(key);
      if (!secret) throw new Error(`redis: the shared secret ${name} vanished`);
      return secret;
    },

    deliver(instance, peerId, message) {
      void client.publish(instanceChannel(instance), JSON.stringify({ peerId, message })).catch(fail('delivery'));
    },

    async close() {
      clearInterval(heartbeat);
      await client.del(aliveKey(instanceId)).catch(() => undefined);
      await subscriber.quit().catch(() => undefined);
      await client.quit().catch(() => undefined);
      state = 'closed';
    },
  };
}
