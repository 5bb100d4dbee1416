/// <reference types="mocha" />
/**
 * The share records' IndexedDB in a real Chromium: a database written by the release before shares
 * had rooms (version 2) opens as version 3 with every share and its progress intact and no rooms yet
 * (the page then gives them the room it starts in); rooms are saved apart from the record, also
 * before it exists (a download names its room first), and go with the share.
 */
import { deleteDB, openDB } from 'idb';
import { deleteStoredShare, getStoredShare, listStoredShares, openShareDb, putStoredShare, saveRooms } from '../../workers/share-records.js';
// Its own database: other test files use the app's at the same time, in the same origin.
const DB_NAME = 'shoal-share-records-test';

function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

const meta = { version: 1, name: 'old.bin', type: '', size: 3, chunkSize: 65536, fileHash: 'ab'.repeat(32), chunkHashes: ['cd'.repeat(32)] };

describe('share records in IndexedDB', () => {
  beforeEach(() => deleteDB(DB_NAME));

  it('a version-2 database upgrades with its shares intact and no rooms yet', async () => {
    const old = await openDB(DB_NAME, 2, {
      upgrade(db) {
        db.createObjectStore('shares', { keyPath: 'id' });
        db.createObjectStore('progress', { keyPath: 'id' });
      },
    });
    await old.put('shares', { id: 'one', meta, addedAt: 5 });
    await old.put('progress', { id: 'one', bitfield: new Uint8Array([0x80]), complete: true });
    old.close();
    const db = await openShareDb(DB_NAME);
    try {
      assertEqual(db.version, 3, 'upgraded');
      const [share, ...rest] = await listStoredShares(db);
      assertEqual(rest.length, 0, 'one share');
      assertEqual([share!.id, share!.meta.name, share!.complete, [...share!.bitfield], share!.rooms ?? null], ['one', 'old.bin', true, [0x80], null], 'the share as it was, without rooms');
    } finally {
      db.close();
    }
  });

  it('rooms are kept apart from the record, may come first, and go with the share', async () => {
    const db = await openShareDb(DB_NAME);
    try {
      await saveRooms(db, 'two', ['friends']); // a download names its room before its metadata came
      await putStoredShare(db, { id: 'two', meta, bitfield: new Uint8Array(1), complete: false, addedAt: 1 });
      assertEqual((await getStoredShare(db, 'two'))?.rooms, ['friends'], 'the room it came from');
      await saveRooms(db, 'two', ['friends', '']);
      assertEqual((await listStoredShares(db)).map((s) => s.rooms), [['friends', '']], 'listed with its rooms');
      await deleteStoredShare(db, 'two');
      await putStoredShare(db, { id: 'two', meta, bitfield: new Uint8Array(1), complete: false, addedAt: 2 });
      assertEqual((await getStoredShare(db, 'two'))?.rooms ?? null, null, 'removing a share removed its rooms');
    } finally {
      db.close();
    }
  });
});
