/** Resumable sessions: single use, expiring, and bounded in count and bytes however many are kept. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResumableSessions } from '../../server/resumable-sessions.js';

const shares = (count: number, tag: number) => Array.from({ length: count }, (_, i) => ({ id: (tag * 1000 + i).toString(16).padStart(64, '0'), name: `${'n'.repeat(200)}-${i}`, size: i }));
const HOME = '192.0.2.10';
const session = (n: number, shareCount = 0) => ({ address: HOME, peerId: `peer${n}`, name: `name${n}`, room: 'r', shares: shares(shareCount, n) });

test('a token gives its session back once, and not after the TTL', () => {
  let now = 0;
  const sessions = new ResumableSessions({ ttlMs: 60_000, now: () => now });
  sessions.keep('a', session(1));
  sessions.keep('b', session(2));
  assert.equal(sessions.take('a', HOME)?.peerId, 'peer1');
  assert.equal(sessions.take('a', HOME), undefined, 'single use');
  now = 60_001;
  assert.equal(sessions.take('b', HOME), undefined, 'expired');
  assert.equal(sessions.size, 0);
  assert.equal(sessions.bytes, 0);
});

test('connect/announce/close loops cannot grow it past its bounds: the oldest go first', () => {
  const sessions = new ResumableSessions({ ttlMs: 60_000, maxSessions: 100, maxBytes: 2 * 1024 * 1024 });
  // 1,000 cycles of a client announcing 256 long-named shares and disconnecting (~60 KiB each).
  for (let i = 0; i < 1000; i++) sessions.keep(`t${i}`, session(i, 256));
  assert.ok(sessions.bytes <= 2 * 1024 * 1024, `${sessions.bytes} bytes kept`);
  assert.ok(sessions.size < 100 && sessions.size > 10, `${sessions.size} sessions kept`);
  assert.equal(sessions.take('t0', HOME), undefined, 'the oldest was pushed out');
  assert.equal(sessions.take('t999', HOME)?.peerId, 'peer999', 'the newest is there');

  const small = new ResumableSessions({ ttlMs: 60_000, maxSessions: 100 });
  for (let i = 0; i < 1000; i++) small.keep(`t${i}`, session(i));
  assert.equal(small.size, 100, 'the count bound');
  assert.equal(small.take('t899', HOME), undefined);
  assert.equal(small.take('t900', HOME)?.peerId, 'peer900');
});

test('a session larger than the whole budget is not kept; re-keeping a token replaces it', () => {
  const sessions = new ResumableSessions({ ttlMs: 60_000, maxBytes: 10_000 });
  sessions.keep('big', session(1, 256));
  assert.equal(sessions.size, 0);
  sessions.keep('x', session(2));
  const before = sessions.bytes;
  sessions.keep('x', session(3));
  assert.equal(sessions.size, 1);
  assert.equal(sessions.bytes, before);
  assert.equal(sessions.take('x', HOME)?.peerId, 'peer3');
});

test('a token is bound to the address that got it: from another address it gives nothing and stays for its owner', () => {
  const sessions = new ResumableSessions({ ttlMs: 60_000 });
  sessions.keep('t', session(1, 3));
  assert.equal(sessions.take('t', '198.51.100.7'), undefined, 'a leaked token is worth nothing elsewhere');
  assert.equal(sessions.size, 1, 'and does not burn the owner\'s token');
  assert.equal(sessions.take('t', HOME)?.peerId, 'peer1');
});
