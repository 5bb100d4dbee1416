/**
 * The room as the signaling server tells it: who is in it and which shares each holds. A pure
 * reducer, `(Roster, ServerMessage) → Roster`; the engine acts on what changed (announcing itself
 * after a welcome, dialing new holders of what it downloads, closing the connection of a peer that
 * left). Messages that do not change the room return the same object.
 */
import type { ServerMessage, ShareSummary } from '../../protocol/index.js';
import { newPeer, type EngineState } from './state.js';

export type Roster = Pick<EngineState, 'selfId' | 'room' | 'peers' | 'roomFiles'>;

export function reduceRoster(roster: Roster, message: ServerMessage): Roster {
  switch (message.type) {
    case 'welcome':
      // Peers we still know keep their counters; the room's files come again in `files`.
      return {
        selfId: message.peerId,
        room: message.room,
        peers: message.peers.map((p) => ({ ...(roster.peers.find((known) => known.peerId === p.peerId) ?? newPeer(p.peerId, p.name)), name: p.name })),
        roomFiles: [],
      };
    case 'peer-joined':
      return { ...roster, peers: [...roster.peers.filter((p) => p.peerId !== message.peerId), newPeer(message.peerId, message.name)] };
    case 'peer-left':
      return {
        ...roster,
        peers: roster.peers.filter((p) => p.peerId !== message.peerId),
        roomFiles: roster.roomFiles.map((f) => ({ ...f, holders: f.holders.filter((h) => h !== message.peerId) })).filter((f) => f.holders.length > 0),
      };
    case 'peer-renamed':
      return { ...roster, peers: roster.peers.map((p) => (p.peerId === message.peerId ? { ...p, name: message.name } : p)) };
    case 'announce-file':
      return withHolders(roster, [{ peerId: message.from, shares: message.shares }]);
    case 'withdraw-file': {
      const withdrawn = new Set(message.ids);
      return {
        ...roster,
        roomFiles: roster.roomFiles.map((f) => (withdrawn.has(f.id) ? { ...f, holders: f.holders.filter((h) => h !== message.from) } : f)).filter((f) => f.holders.length > 0),
      };
    }
    case 'files':
      return withHolders(roster, message.holders);
    default:
      return roster;
  }
}

/** The holders a message adds, share by share: whom to dial for a running download. */
export function announcedHolders(message: ServerMessage): { peerId: string; shareId: string }[] {
  const holders = message.type === 'announce-file' ? [{ peerId: message.from, shares: message.shares }] : message.type === 'files' ? message.holders : [];
  return holders.flatMap(({ peerId, shares }) => shares.map((share) => ({ peerId, shareId: share.id })));
}

/** A peer's display name, or the start of its id when it has none (or has left). */
export const peerName = (roster: Roster, peerId: string): string => roster.peers.find((p) => p.peerId === peerId)?.name || peerId.slice(0, 6);

export const holdsShare = (roster: Roster, shareId: string, peerId: string): boolean => roster.roomFiles.some((f) => f.id === shareId && f.holders.includes(peerId));

function withHolders(roster: Roster, holders: { peerId: string; shares: ShareSummary[] }[]): Roster {
  const files = new Map(roster.roomFiles.map((f) => [f.id, f]));
  for (const { peerId, shares } of holders) {
    for (const share of shares) {
      const file = files.get(share.id);
      if (file?.holders.includes(peerId)) continue;
      files.set(share.id, file ? { ...file, holders: [...file.holders, peerId] } : { id: share.id, name: share.name, size: share.size, holders: [peerId] });
    }
  }
  return { ...roster, roomFiles: [...files.values()] };
}
