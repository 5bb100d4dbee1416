/**
 * What the page finds in storage when it starts: every stored share back in the state, private ones
 * known again, shares from the user's disk checked before they are seeded, complete ones offered in
 * the room the page is in, and partial downloads resumed there (or told where they continue).
 */
import { Bitfield, chunkCount } from '../../protocol/index.js';
import type { DiskShares } from './disk-shares.js';
import { isDiskShare } from './disk-shares.js';
import type { PrivateShares } from './private-shares.js';
import { elsewhereNote, type RoomOffers } from './room-offers.js';
import { storedShareState } from './state.js';
import type { StateWriter } from './state-writer.js';
import type { StoragePort } from './engine-components.js';

export interface StoredSharesParts {
  state: StateWriter;
  storage: Pick<StoragePort, 'listShares' | 'setShareRooms'>;
  privateShares: Pick<PrivateShares, 'know'>;
  disk: Pick<DiskShares, 'checkAndSeed'>;
  offers: Pick<RoomOffers, 'offer'>;
  /** Partial downloads to resume once the page is in their room. */
  toResume: Set<string>;
}

export async function restoreStoredShares({ state, storage, privateShares, disk, offers, toResume }: StoredSharesParts): Promise<void> {
  const here = state.current.roomKey;
  for (const record of await storage.listShares()) {
    const bitfield = new Bitfield(chunkCount(record.meta.size), record.bitfield);
    // A share stored before shares belonged to rooms is offered in the room the app starts in
    // (the room it was last announced in, unless a link asked to change it: then the user chose).
    const rooms = record.rooms ?? [here];
    if (!record.rooms) await storage.setShareRooms(record.id, rooms);
    const secret = await privateShares.know(record.id, record.secret, record.meta);
    if (isDiskShare(record)) {
      // Read from the user's file: seeded once the file is checked (permission, size, modification time).
      state.putShare({ ...storedShareState(record.id, record.meta, 'verifying', 'shared', bitfield, rooms, true), ...secret });
      void disk.checkAndSeed(record);
      continue;
    }
    state.putShare({ ...storedShareState(record.id, record.meta, record.complete ? 'seeding' : 'paused', record.complete ? 'shared' : 'downloaded', bitfield, rooms), ...secret });
    if (record.complete) await offers.offer(record.id, record.meta);
    else if (rooms.includes(here)) toResume.add(record.id);
    else state.patchShare(record.id, { error: elsewhereNote(rooms) });
  }
}
