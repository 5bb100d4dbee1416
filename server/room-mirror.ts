/**
 * Rooms shared with other server instances through the bus (Redis): the rooms this instance has
 * members in are followed, their members on other instances are mirrored into the local Rooms
 * (and told to the local members as they come, go and announce), and this instance's own changes
 * are published. Without a bus there is no mirror and signaling stays in this process.
 */
import type { PeerInfo, ServerMessage, ShareSummary } from '../protocol/index.js';
import type { Bus, RemoteMember, RoomEvent } from './bus.js';
import { RoomFullError, type AnnounceLimits, type Rooms } from './rooms.js';

export interface RoomMirrorParts {
  bus: Bus;
  rooms: Rooms;
  announceLimits: AnnounceLimits;
  /** The peer is connected to this instance. */
  isLocal: (peerId: string) => boolean;
  /** The display name of a local peer. */
  nameOf: (peerId: string) => string;
  /** Room news to this instance's members of the room (all but `except`). */
  broadcastLocal: (room: string, except: string, message: ServerMessage) => void;
}

export class RoomMirror {
  /** Peers of other instances in rooms this instance follows, with their instance. */
  readonly #remote = new Map<string, string>();
  /** Rooms whose bus events this instance follows (it has local members there). */
  readonly #watched = new Map<string, Promise<void>>();

  constructor(private readonly parts: RoomMirrorParts) {}

  /** The instance a remote peer is connected to, or undefined for a peer unknown here. */
  instanceOf(peerId: string): string | undefined {
    return this.#remote.get(peerId);
  }

  /** Sends a message to a peer of another instance through the bus. */
  deliver(peerId: string, message: ServerMessage): void {
    const instance = this.#remote.get(peerId);
    if (instance) this.parts.bus.deliver(instance, peerId, message);
  }

  /** Follows a room's bus events and takes in its members on other instances (once per room). */
  watch(room: string): Promise<void> {
    let watching = this.#watched.get(room);
    if (!watching) {
      watching = this.parts.bus.watchRoom(room, (event) => this.#onRoomEvent(event)).then((members) => {
        for (const member of members) this.#addRemote(room, member.peer, member.instance, member.shares);
      });
      watching.catch(() => this.#watched.delete(room));
      this.#watched.set(room, watching);
    }
    return watching;
  }

  /** A local peer joined `room` (with the shares it got back by resuming). */
  joined(room: string, peerId: string, restored: ShareSummary[]): void {
    const { bus } = this.parts;
    bus.publish({ kind: 'joined', room, peer: { peerId, name: this.parts.nameOf(peerId) }, instance: bus.instanceId }, this.#member(peerId));
    if (restored.length > 0) this.announced(room, peerId, restored);
  }

  /** A local peer announced shares new for it. */
  announced(room: string, peerId: string, added: ShareSummary[]): void {
    const { bus } = this.parts;
    bus.publish({ kind: 'announced', room, peerId, shares: added, instance: bus.instanceId }, this.#member(peerId));
  }

  /** A local peer took back shares it had announced. */
  withdrawn(room: string, peerId: string, ids: string[]): void {
    const { bus } = this.parts;
    bus.publish({ kind: 'withdrawn', room, peerId, ids, instance: bus.instanceId }, this.#member(peerId));
  }

  /** A local peer changed its display name. */
  renamed(room: string, peerId: string): void {
    const { bus } = this.parts;
    bus.publish({ kind: 'renamed', room, peer: { peerId, name: this.parts.nameOf(peerId) }, instance: bus.instanceId }, this.#member(peerId));
  }

  /** A local peer left `room`, where `remaining` are still members (local or mirrored). */
  left(room: string, peerId: string, remaining: string[]): void {
    const { bus, rooms } = this.parts;
    bus.publish({ kind: 'left', room, peerId, instance: bus.instanceId });
    if (remaining.some((id) => id !== peerId && this.parts.isLocal(id))) return;
    // No member of ours is left there: stop following the room and forget its remote members.
    bus.unwatchRoom(room);
    this.#watched.delete(room);
    for (const id of remaining) if (this.#remote.delete(id)) rooms.leave(id);
  }

  #member(peerId: string): RemoteMember {
    return { peer: { peerId, name: this.parts.nameOf(peerId) }, shares: this.parts.rooms.sharesOf(peerId), instance: this.parts.bus.instanceId };
  }

  #addRemote(room: string, peer: PeerInfo, instance: string, shares: ShareSummary[]): void {
    if (this.parts.isLocal(peer.peerId)) return;
    try {
      this.parts.rooms.join(room, peer);
    } catch (error) {
      if (error instanceof RoomFullError) return;
      throw error;
    }
    this.#remote.set(peer.peerId, instance);
    if (shares.length > 0) this.parts.rooms.announce(peer.peerId, shares, this.parts.announceLimits);
  }

  #onRoomEvent(event: RoomEvent): void {
    const { rooms, broadcastLocal } = this.parts;
    switch (event.kind) {
      case 'joined':
        if (this.parts.isLocal(event.peer.peerId)) return;
        this.#addRemote(event.room, event.peer, event.instance, []);
        return broadcastLocal(event.room, event.peer.peerId, { type: 'peer-joined', peerId: event.peer.peerId, name: event.peer.name });
      case 'left':
        if (this.#remote.get(event.peerId) !== event.instance) return;
        this.#remote.delete(event.peerId);
        rooms.leave(event.peerId);
        return broadcastLocal(event.room, event.peerId, { type: 'peer-left', peerId: event.peerId });
      case 'announced': {
        if (this.#remote.get(event.peerId) !== event.instance) return;
        // The announcing instance paced its own client; news already known here is not news.
        const { added } = rooms.announce(event.peerId, event.shares, this.parts.announceLimits);
        if (added.length > 0) broadcastLocal(event.room, event.peerId, { type: 'announce-file', from: event.peerId, shares: added });
        return;
      }
      case 'withdrawn': {
        if (this.#remote.get(event.peerId) !== event.instance) return;
        const removed = rooms.withdraw(event.peerId, event.ids);
        if (removed.length > 0) broadcastLocal(event.room, event.peerId, { type: 'withdraw-file', from: event.peerId, ids: removed });
        return;
      }
      case 'renamed':
        if (this.#remote.get(event.peer.peerId) !== event.instance) return;
        rooms.rename(event.peer.peerId, event.peer.name);
        return broadcastLocal(event.room, event.peer.peerId, { type: 'peer-renamed', peerId: event.peer.peerId, name: event.peer.name });
    }
  }
}
