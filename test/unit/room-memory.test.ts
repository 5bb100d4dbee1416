/** Where the app starts when a link names a room, and what it asks first (web/room-memory.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRememberedRoom, rememberRoom, startingRoom } from '../../web/room-memory.js';

function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
}

test('a link to another room starts the app where the user was and asks', () => {
  assert.deepEqual(startingRoom({ linkRoom: 'evilroomX', remembered: { room: undefined }, usedBefore: true, reloaded: false }), { room: undefined, ask: 'evilroomX' });
  assert.deepEqual(startingRoom({ linkRoom: 'evilroomX', remembered: { room: 'mine' }, usedBefore: true, reloaded: false }), { room: 'mine', ask: 'evilroomX' });
  assert.deepEqual(startingRoom({ linkRoom: 'other-tab', remembered: { room: 'mine' }, usedBefore: true, reloaded: true }), { room: 'other-tab', ask: undefined }, 'a reload is of a room this tab was in (another tab may have moved the remembered one)');
});

test('no question for the room the user is in, a page without a room, or a first run', () => {
  assert.deepEqual(startingRoom({ linkRoom: 'mine', remembered: { room: 'mine' }, usedBefore: true, reloaded: false }), { room: 'mine', ask: undefined });
  assert.deepEqual(startingRoom({ linkRoom: undefined, remembered: { room: 'mine' }, usedBefore: true, reloaded: false }), { room: undefined, ask: undefined }, 'the network room is where the user is');
  assert.deepEqual(startingRoom({ linkRoom: 'friends', remembered: undefined, usedBefore: false, reloaded: false }), { room: 'friends', ask: undefined }, 'a newcomer has nothing there to protect');
});

test('a browser that used Shoal before rooms were remembered: a reload of its own room is trusted, a followed link is asked about', () => {
  assert.deepEqual(startingRoom({ linkRoom: 'mine', remembered: undefined, usedBefore: true, reloaded: true }), { room: 'mine', ask: undefined });
  assert.deepEqual(startingRoom({ linkRoom: 'evilroomX', remembered: undefined, usedBefore: true, reloaded: false }), { room: undefined, ask: 'evilroomX' });
});

test('the remembered room: written and read back; anything malformed reads as nothing remembered', () => {
  const storage = memoryStorage();
  assert.equal(readRememberedRoom(storage), undefined);
  rememberRoom(storage, 'abc_DEF-9');
  assert.deepEqual(readRememberedRoom(storage), { room: 'abc_DEF-9' });
  rememberRoom(storage, undefined);
  assert.deepEqual(readRememberedRoom(storage), { room: undefined });
  for (const bad of ['{', '"x"', '{"room":"../x"}', '{"room":5}', `{"room":"${'a'.repeat(65)}"}`, 'null']) {
    assert.equal(readRememberedRoom(memoryStorage({ 'shoal.room': bad })), undefined, bad);
  }
});
