/**
 * Shares seeded from the user's own files (a handle kept in the share's record, no copy in browser
 * storage): each is checked before it is seeded (permission, size, modification time; see
 * source-check.ts), the user's click grants the permissions a restarted browser asks for again, and
 * a file that could not be read while seeding is checked again (it may only have been touched).
 */
import type { ShareSource, StoredShare } from '../../workers/share-records.js';
import type { RoomOffers } from './room-offers.js';
import { checkSource } from './source-check.js';
import type { StateWriter } from './state-writer.js';
import type { HasherPort, StoragePort } from './engine-components.js';

export type DiskShare = StoredShare & { source: ShareSource };

export function isDiskShare(record: StoredShare): record is DiskShare {
  return record.source?.kind === 'handle';
}

export interface DiskSharesParts {
  state: StateWriter;
  storage: Pick<StoragePort, 'getShare' | 'updateSource' | 'forgetReadable'>;
  hasher: HasherPort;
  offers: Pick<RoomOffers, 'offer' | 'withdraw'>;
}

export class DiskShares {
  constructor(private readonly parts: DiskSharesParts) {}

  /** Seeds a share read from the user's file once its file checks out; otherwise says why not. */
  async checkAndSeed(record: DiskShare): Promise<void> {
    const { state, storage, offers } = this.parts;
    const result = await checkSource(record, this.parts.hasher, () => state.patchShare(record.id, { status: 'hashing', error: undefined }));
    if (!state.share(record.id)) return; // removed meanwhile
    if (result.kind !== 'ok') {
      // No longer readable as it was hashed: the room hears it is no longer offered.
      offers.withdraw(record.id);
      state.patchShare(record.id, { status: result.kind === 'needs-permission' ? 'needs-access' : 'error', error: result.message, speed: 0 });
      return;
    }
    if (result.rehashed) await storage.updateSource(record.id, result.source);
    state.patchShare(record.id, { status: 'seeding', error: undefined, bytesDone: record.meta.size });
    await offers.offer(record.id, record.meta);
  }

  /**
   * Asks the browser for permission to read every share waiting for it (one prompt per file where
   * the browser asks), then checks and seeds them. Call it from the user's click: the browser only
   * asks during one.
   */
  async allowAccess(): Promise<void> {
    const { state, storage } = this.parts;
    const waiting = state.current.shares.filter((s) => s.status === 'needs-access').map((s) => s.id);
    const records = (await Promise.all(waiting.map((id) => storage.getShare(id)))).filter((r): r is DiskShare => r !== undefined && isDiskShare(r));
    for (const record of records) {
      const answer = await record.source.handle.requestPermission?.({ mode: 'read' }).catch(() => 'denied' as const);
      if (answer === 'denied') state.patchShare(record.id, { status: 'error', error: `Reading "${record.meta.name}" from disk was refused, so it is not seeded. Share it again to seed it.` });
      else void this.checkAndSeed(record);
    }
  }

  /** A share read from the user's file could not be read while seeding: checked again (it may only have been touched). */
  async seedFailed(shareId: string, message: string): Promise<void> {
    const { state, storage, offers } = this.parts;
    await storage.forgetReadable(shareId);
    const record = await storage.getShare(shareId);
    if (record && isDiskShare(record)) return this.checkAndSeed(record);
    offers.withdraw(shareId);
    state.patchShare(shareId, { status: 'error', error: message });
  }
}
