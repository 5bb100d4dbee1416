/**
 * Room membership and the per-room index of announced shares. Pure bookkeeping: no sockets, no I/O.
 * Announcements are deltas: announcing a share again adds nothing and is not news to anyone. What
 * one peer and one room can hold is bounded, and so is what an answer about the index can carry.
 */
import { MAX_PEERS_PER_ROOM, type PeerInfo, type ShareSummary } from '../protocol/index.js';

export class RoomFullError extends Error {
  override name = 'RoomFullError';
}

interface Member {
  info: PeerInfo;
  shares: Map<string, ShareSummary>;
}

interface Room {
  members: Map<string, Member>;
  /** Shares announced in the room, counted once per holder. */
  shareCount: number;
}

export interface AnnounceLimits {
  /** Shares one peer may hold announced. */
  perPeer: number;
  /** Shares (per holder) one room may hold announced. */
  perRoom: number;
  /** New shares this call may add at most (what the peer's address has left). */
  perCall?: number;
}

export interface Announced {
  /** The shares that are new for this peer: the delta to tell the room. */
  added: ShareSummary[];
  /** New shares left out by a limit. */
  refused: number;
}

export type Holders = { peerId: string; shares: ShareSummary[] }[];

export class Rooms {
  readonly #rooms = new Map<string, Room>();
  readonly #roomOf = new Map<string, string>();

  constructor(readonly maxPeersPerRoom = MAX_PEERS_PER_ROOM) {}

  get roomCount(): number {
    return this.#rooms.size;
  }

  get peerCount(): number {
    return this.#roomOf.size;
  }

  roomOf(peerId: string): string | undefined {
    return this.#roomOf.get(peerId);
  }

  /** Adds the peer to `room` (leaving its previous room); returns the peers already there. */
  join(room: string, info: PeerInfo): PeerInfo[] {
    this.leave(info.peerId);
    let entry = this.#rooms.get(room);
    if (entry && entry.members.size >= this.maxPeersPerRoom) throw new RoomFullError(`room is full (${this.maxPeersPerRoom} peers)`);
    if (!entry) this.#rooms.set(room, (entry = { members: new Map(), shareCount: 0 }));
    const others = [...entry.members.values()].map((m) => m.info);
    entry.members.set(info.peerId, { info, shares: new Map() });
    this.#roomOf.set(info.peerId, room);
    return others;
  }

  /** Removes the peer and its announcements; returns the room it left and the peers still there. */
  leave(peerId: string): { room: string; remaining: string[] } | undefined {
    const room = this.#roomOf.get(peerId);
    if (room === undefined) return undefined;
    this.#roomOf.delete(peerId);
    const entry = this.#rooms.get(room)!;
    entry.shareCount -= entry.members.get(peerId)?.shares.size ?? 0;
    entry.members.delete(peerId);
    if (entry.members.size === 0) this.#rooms.delete(room);
    return { room, remaining: [...entry.members.keys()] };
  }

  /** Every peer in a room. */
  members(room: string): string[] {
    return [...(this.#rooms.get(room)?.members.keys() ?? [])];
  }

  /** Other peers in the same room as `peerId`. */
  roommates(peerId: string): string[] {
    const room = this.#roomOf.get(peerId);
    if (room === undefined) return [];
    return [...this.#rooms.get(room)!.members.keys()].filter((id) => id !== peerId);
  }

  sameRoom(a: string, b: string): boolean {
    const room = this.#roomOf.get(a);
    return room !== undefined && a !== b && room === this.#roomOf.get(b);
  }

  /** The shares a peer announced. */
  sharesOf(peerId: string): ShareSummary[] {
    return [...(this.#member(peerId)?.shares.values() ?? [])];
  }

  /** How many shares a peer announced. */
  shareCountOf(peerId: string): number {
    return this.#member(peerId)?.shares.size ?? 0;
  }

  /** Records shares the peer holds; returns the ones new for it, and how many new ones a limit left out. */
  announce(peerId: string, shares: ShareSummary[], limits: AnnounceLimits): Announced {
    const room = this.#roomOf.get(peerId);
    const entry = room === undefined ? undefined : this.#rooms.get(room);
    const member = entry?.members.get(peerId);
    if (!entry || !member) return { added: [], refused: 0 };
    const added: ShareSummary[] = [];
    let refused = 0;
    for (const share of shares) {
      if (member.shares.has(share.id)) continue;
      if (member.shares.size >= limits.perPeer || entry.shareCount >= limits.perRoom || added.length >= (limits.perCall ?? Infinity)) {
        refused++;
        continue;
      }
      member.shares.set(share.id, share);
      entry.shareCount++;
      added.push(share);
    }
    return { added, refused };
  }

  /** Takes back shares the peer announced; returns the ids it really held (the news for the room). */
  withdraw(peerId: string, ids: string[]): string[] {
    const room = this.#roomOf.get(peerId);
    const entry = room === undefined ? undefined : this.#rooms.get(room);
    const member = entry?.members.get(peerId);
    if (!entry || !member) return [];
    const removed = [...new Set(ids)].filter((id) => member.shares.delete(id));
    entry.shareCount -= removed.length;
    return removed;
  }

  /** A member's new display name; false when the peer is in no room. */
  rename(peerId: string, name: string): boolean {
    const member = this.#member(peerId);
    if (!member) return false;
    member.info = { ...member.info, name };
    return true;
  }

  /**
   * The announcements in the peer's room (excluding its own), or only the holders of `shareId`, at
   * most `limit` shares in all. Every holder gets an equal part of the limit, so that one holder's
   * many shares cannot crowd out everyone else's.
   */
  holders(peerId: string, shareId?: string, limit = Infinity): Holders {
    const room = this.#roomOf.get(peerId);
    if (room === undefined) return [];
    const others = [...this.#rooms.get(room)!.members].filter(([id]) => id !== peerId);
    const holding = shareId === undefined ? others.filter(([, m]) => m.shares.size > 0) : others.filter(([, m]) => m.shares.has(shareId));
    const each = Math.max(1, Math.floor(limit / Math.max(1, holding.length)));
    const out: Holders = [];
    let total = 0;
    for (const [id, member] of holding) {
      if (total >= limit) break;
      const shares = shareId === undefined ? [...member.shares.values()].slice(0, Math.min(each, limit - total)) : [member.shares.get(shareId)!];
      total += shares.length;
      out.push({ peerId: id, shares });
    }
    return out;
  }

  #member(peerId: string): Member | undefined {
    const room = this.#roomOf.get(peerId);
    return room === undefined ? undefined : this.#rooms.get(room)?.members.get(peerId);
  }
}
