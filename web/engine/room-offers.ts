/**
 * What the page offers in the room it is in. Shares belong to rooms (share-rooms.ts): only those of
 * the current room are seeded by the data plane and announced, and a share stops being offered the
 * moment it leaves the room (removed, moved out, failed, or the page moved elsewhere), with a
 * withdrawal the room hears at once where it is still there to hear it. A move to another room
 * unseeds the old room's shares before the join goes out; the engine stops their downloads.
 */
import type { ClientMessage, ShareMetadata, ShareSummary } from '../../protocol/index.js';
import type { PlaneApi } from './plane-host.js';
import { roomLabel, withRoom, type RoomKey } from './share-rooms.js';
import type { ShareState } from './state.js';
import type { StateWriter } from './state-writer.js';
import type { StoragePort } from './engine-components.js';

export interface RoomOffersParts {
  state: StateWriter;
  storage: Pick<StoragePort, 'getShare' | 'setShareRooms'>;
  /** The data plane (once started). */
  plane: () => PlaneApi | undefined;
  /** Settles once the data plane is started. */
  planeReady: Promise<void>;
  /** A private share's secret (it is seeded privately), or undefined. */
  secretOf: (shareId: string) => string | undefined;
  send: (message: ClientMessage) => void;
  /** A download of a share the room no longer has: stop it (what landed stays). */
  stopDownload: (shareId: string) => void;
  /** A partial download the room now has: resume it once in the room. */
  resumeHere: (shareId: string) => void;
  /** A partial download the room no longer has: not resumed here. */
  forgetResume: (shareId: string) => void;
}

/** What a download of another room says while the page is elsewhere. */
export const elsewhereNote = (rooms: RoomKey[]): string => `Continues when you are in ${rooms.map(roomLabel).join(' or ') || 'its room'} (or share it here too).`;

const summary = (id: string, meta: Pick<ShareMetadata, 'name' | 'size'>): ShareSummary => ({ id, name: meta.name, size: meta.size });

export class RoomOffers {
  /** Shares offered in the current room (complete, or downloading), as announced. */
  readonly #offered = new Map<string, ShareSummary>();

  constructor(private readonly parts: RoomOffersParts) {}

  /** Everything offered here: what a welcome into the room announces again. */
  summaries(): ShareSummary[] {
    return [...this.#offered.values()];
  }

  /** Whether the share belongs to the room the page is in. */
  belongsHere(shareId: string): boolean {
    const { state } = this.parts;
    return state.share(shareId)?.rooms.includes(state.current.roomKey) ?? false;
  }

  /** Seeds and announces a complete share if it belongs to the room the page is in. */
  async offer(shareId: string, meta: ShareMetadata): Promise<void> {
    if (!this.belongsHere(shareId)) return;
    this.#offered.set(shareId, summary(shareId, meta));
    await this.parts.planeReady;
    await this.parts.plane()!.seed(shareId, meta, this.parts.secretOf(shareId));
    this.announce([summary(shareId, meta)]);
  }

  /** A download of this room (the plane seeds what it has): offered as it goes, or on resuming. */
  offerDownload(shareId: string, meta: Pick<ShareMetadata, 'name' | 'size'>, announce: boolean): void {
    this.#offered.set(shareId, summary(shareId, meta));
    if (announce) this.announce([summary(shareId, meta)]);
  }

  announce(shares: ShareSummary[]): void {
    if (shares.length > 0) this.parts.send({ type: 'announce-file', shares });
  }

  /** No longer offered here: the room hears it withdrawn at once (if it had been offered). */
  withdraw(shareId: string): void {
    if (this.#offered.delete(shareId)) this.parts.send({ type: 'withdraw-file', ids: [shareId] });
  }

  /**
   * The page moves to the room `after`: shares of the old room only stop being served (leaving the
   * room takes their announcements back), shares of the new one are seeded, or resumed after its welcome.
   */
  move(after: RoomKey): void {
    const { state } = this.parts;
    const before = state.current.roomKey;
    if (before === after) return;
    state.set({ roomKey: after });
    for (const share of state.current.shares) {
      const was = share.rooms.includes(before);
      const is = share.rooms.includes(after);
      if (was && !is) this.#leave(share.id);
      else if (!was && is) void this.#enter(share.id);
    }
  }

  /** "Also share in this room". */
  async shareHere(shareId: string): Promise<void> {
    const share = this.parts.state.share(shareId);
    if (!share) return;
    await this.#setRooms(share, withRoom(share.rooms, this.parts.state.current.roomKey));
    await this.#enter(shareId);
  }

  /** "Stop sharing here": withdrawn from the room; the share stays stored (and offered in its other rooms). */
  async stopSharingHere(shareId: string): Promise<void> {
    const share = this.parts.state.share(shareId);
    if (!share) return;
    const here = this.parts.state.current.roomKey;
    await this.#setRooms(share, share.rooms.filter((room) => room !== here));
    const offered = this.#offered.has(shareId);
    this.#leave(shareId);
    if (offered) this.parts.send({ type: 'withdraw-file', ids: [shareId] });
  }

  /** A share the page's room now has: seeded (complete) or resumed (partial). */
  async #enter(shareId: string): Promise<void> {
    const share = this.parts.state.share(shareId);
    if (!share || this.#offered.has(shareId)) return;
    if (share.status === 'seeding') {
      const record = await this.parts.storage.getShare(shareId);
      if (record?.complete) await this.offer(shareId, record.meta);
    } else if (share.origin === 'downloaded' && share.status !== 'verifying') {
      this.parts.state.patchShare(shareId, { error: undefined });
      this.parts.resumeHere(shareId);
    }
  }

  /** A share the page's room no longer has: no longer served; a download of it stops and waits for its room. */
  #leave(shareId: string): void {
    this.#offered.delete(shareId);
    this.parts.forgetResume(shareId);
    this.parts.stopDownload(shareId);
    void this.parts.plane()?.unseed(shareId);
    const share = this.parts.state.share(shareId);
    if (share && share.status !== 'seeding' && share.origin === 'downloaded') {
      this.parts.state.patchShare(shareId, { status: 'paused', speed: 0, etaSeconds: null, sources: 0, error: elsewhereNote(share.rooms) });
    }
  }

  async #setRooms(share: ShareState, rooms: RoomKey[]): Promise<void> {
    await this.parts.storage.setShareRooms(share.id, rooms);
    this.parts.state.patchShare(share.id, { rooms });
  }
}
