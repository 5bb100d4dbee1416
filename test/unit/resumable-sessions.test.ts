/** Resumable sessions: single use, expiring, and bounded in count and bytes however many are kept. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResumableSessions } from '../../server/resumable-sessions.js';

const shares = (count: number, tag: number) => Array.from({ length: count }, (_, i) => ({ id: (tag * 1000 + i).toString(16).padStart(64, '0'), name: `${'n'.repeat(200)}-${i}`, size: i }));
const session = (n: number, shareCount = 0) => ({ peerId: `peer${n}`, name: `name${n}`, room: 'r', shares: shares(shareCount, n) });

test('a token gives its session back once, and not after the TTL', () => {
  let now = 0;
  const sessions = new ResumableSessions({ ttlMs: 60_000, now: () => now });
  sessions.keep('a', session(1));
  sessions.keep('b', session(2));
  assert.equal(sessions.take('a')?.peerId, 'peer1');
  assert.equal(sessions.take('a'), undefined, 'single use');
  now = 60_001;
  assert.equal(sessions.take('b'), undefined, 'expired');
  assert.equal(sessions.size, 0);
  assert.equal(sessions.bytes, 0);
});

test('connect/announce/close loops cannot grow it past its bounds: the oldest go first', () => {
  const sessions = new ResumableSessions({ ttlMs: 60_000, maxSessions: 100, maxBytes: 2 * 1024 * 1024 });
  // 1,000 cycles of a client announcing 256 long-named shares and disconnecting (~60 KiB each).
  for (let i = 0; i < 1000; i++) sessions.keep(`t${i}`, session(i, 256));
  assert.ok(sessions.bytes <= 2 * 1024 * 1024, `${sessions.bytes} bytes kept`);
  assert.ok(sessions.size < 100 && sessions.size > 10, `${sessions.size} sessions kept`);
  assert.equal(sessions.take('t0'), undefined, 'the oldest was pushed out');
  assert.equal(sessions.take('t999')?.peerId, 'peer999', 'the newest is there');

  const small = new ResumableSessions({ ttlMs: 60_000, maxSessions: 100 });
  for (let i = 0; i < 1000; i++) small.keep(`t${i}`, session(i));
  assert.equal(small.size, 100, 'the count bound');
  assert.equal(small.take('t899'), undefined);
  assert.equal(small.take('t900')?.peerId, 'peer900');
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
  assert.equal(sessions.take('x')?.peerId, 'peer3');
});
