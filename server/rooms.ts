/**
 * Room membership and the per-room index of announced shares. Pure bookkeeping: no sockets, no I/O.
 */
import type { PeerInfo, ShareSummary } from '../protocol/index.js';

export class RoomFullError extends Error {
  override name = 'RoomFullError';
}

interface Member {
  info: PeerInfo;
  shares: Map<string, ShareSummary>;
}

export class Rooms {
  readonly #rooms = new Map<string, Map<string, Member>>();
  readonly #roomOf = new Map<string, string>();

  constructor(readonly maxPeersPerRoom = 500) {}

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
    let members = this.#rooms.get(room);
    if (members && members.size >= this.maxPeersPerRoom) throw new RoomFullError(`room is full (${this.maxPeersPerRoom} peers)`);
    if (!members) this.#rooms.set(room, (members = new Map()));
    const others = [...members.values()].map((m) => m.info);
    members.set(info.peerId, { info, shares: new Map() });
    this.#roomOf.set(info.peerId, room);
    return others;
  }

  /** Removes the peer; returns the room it left and the peers still there. */
  leave(peerId: string): { room: string; remaining: string[] } | undefined {
    const room = this.#roomOf.get(peerId);
    if (room === undefined) return undefined;
    this.#roomOf.delete(peerId);
    const members = this.#rooms.get(room)!;
    members.delete(peerId);
    if (members.size === 0) this.#rooms.delete(room);
    return { room, remaining: [...members.keys()] };
  }

  /** Every peer in a room. */
  members(room: string): string[] {
    return [...(this.#rooms.get(room)?.keys() ?? [])];
  }

  /** Other peers in the same room as `peerId`. */
  roommates(peerId: string): string[] {
    const room = this.#roomOf.get(peerId);
    if (room === undefined) return [];
    return [...this.#rooms.get(room)!.keys()].filter((id) => id !== peerId);
  }

  sameRoom(a: string, b: string): boolean {
    const room = this.#roomOf.get(a);
    return room !== undefined && a !== b && room === this.#roomOf.get(b);
  }

  /** The shares a peer announced. */
  sharesOf(peerId: string): ShareSummary[] {
    return [...(this.#member(peerId)?.shares.values() ?? [])];
  }

  /** Records shares the peer holds; returns how many it now announces in total. */
  announce(peerId: string, shares: ShareSummary[], maxPerPeer: number): number {
    const member = this.#member(peerId);
    if (!member) return 0;
    for (const share of shares) {
      if (member.shares.size >= maxPerPeer && !member.shares.has(share.id)) break;
      member.shares.set(share.id, share);
    }
    return member.shares.size;
  }

  /** Every announcement in the peer's room (excluding its own), or only holders of `shareId`. */
  holders(peerId: string, shareId?: string): { peerId: string; shares: ShareSummary[] }[] {
    const room = this.#roomOf.get(peerId);
    if (room === undefined) return [];
    const out: { peerId: string; shares: ShareSummary[] }[] = [];
    for (const [id, member] of this.#rooms.get(room)!) {
      if (id === peerId) continue;
      const shares = shareId === undefined ? [...member.shares.values()] : [member.shares.get(shareId)].filter((s) => s !== undefined);
      if (shares.length > 0) out.push({ peerId: id, shares });
    }
    return out;
  }

  #member(peerId: string): Member | undefined {
    const room = this.#roomOf.get(peerId);
    return room === undefined ? undefined : this.#rooms.get(room)?.get(peerId);
  }
}
