/** Announcement fan-out paced by the announcing address's egress budget: never lost, never over budget. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerMessage, ShareSummary } from '../../protocol/index.js';
import { AddressBuckets } from '../../server/address-buckets.js';
import { AnnounceFanout } from '../../server/announce-fanout.js';

const share = (n: number): ShareSummary => ({ id: n.toString(16).padStart(64, '0'), name: `file-${n}.bin`, size: n });
const SHARE_BYTES = JSON.stringify(share(1)).length + 1;

function setup(burst: number, perSecond: number, recipients = ['r1', 'r2']) {
  let now = 0;
  const egress = new AddressBuckets(burst, perSecond, () => now);
  const received = new Map<string, ShareSummary[]>();
  const sent: string[] = [];
  const fanout = new AnnounceFanout({
    egress,
    addressOf: (peerId) => (peerId === 'gone' ? undefined : '192.0.2.1'),
    recipientsOf: () => recipients,
    send: (to, message: ServerMessage) => {
      assert.equal(message.type, 'announce-file');
      if (message.type !== 'announce-file') return;
      sent.push(JSON.stringify(message));
      received.set(to, [...(received.get(to) ?? []), ...message.shares]);
    },
  });
  return { fanout, received, sent, advance: (ms: number) => (now += ms) };
}

test('within the budget, a delta reaches every recipient at once', () => {
  const { fanout, received } = setup(100_000, 1000);
  fanout.announce('a', [share(1), share(2)]);
  assert.deepEqual(received.get('r1'), [share(1), share(2)]);
  assert.deepEqual(received.get('r2'), [share(1), share(2)]);
  assert.equal(fanout.waiting, 0);
});

test('past the budget, the rest waits and goes out in order as the budget refills; the bytes stay within it', () => {
  const perSecond = 10 * SHARE_BYTES * 2; // ten shares to two recipients per second
  const { fanout, received, sent, advance } = setup(5 * SHARE_BYTES * 2 + 200, perSecond);
  const shares = Array.from({ length: 40 }, (_, i) => share(i));
  fanout.announce('a', shares);
  const first = received.get('r1')!.length;
  assert.ok(first >= 3 && first <= 5, `a burst of about five, got ${first}`);
  assert.equal(fanout.waiting, 40 - first);
  for (let t = 0; t < 10; t++) {
    advance(500);
    fanout.flush();
  }
  assert.deepEqual(received.get('r1'), shares, 'all of them, in order, none twice');
  assert.deepEqual(received.get('r2'), shares);
  const bytes = sent.reduce((n, text) => n + text.length, 0);
  assert.ok(bytes <= 5 * SHARE_BYTES * 2 + 200 + 5 * perSecond, `${bytes} bytes sent, over the budget`);
});

test('news of a peer that left, or of a room with no one else, is dropped', () => {
  const { fanout, received, advance } = setup(SHARE_BYTES * 2 + 64 * 2, 1);
  fanout.announce('a', [share(1), share(2), share(3)]);
  assert.equal(fanout.waiting, 2);
  fanout.drop('a');
  assert.equal(fanout.waiting, 0);
  advance(60_000);
  fanout.flush();
  assert.equal(received.get('r1')!.length, 1);

  const alone = setup(100_000, 1000, []);
  alone.fanout.announce('a', [share(1)]);
  assert.equal(alone.fanout.waiting, 0);
  assert.equal(alone.received.size, 0);
});

test('address buckets are made on first use and forgotten once full again', () => {
  let now = 0;
  const buckets = new AddressBuckets(10, 1, () => now);
  assert.ok(buckets.for('a').take(10));
  buckets.for('b');
  buckets.sweep();
  assert.equal(buckets.size, 1, 'b was full and is forgotten; a is not');
  assert.ok(!buckets.for('a').take(1));
  buckets.for('a').spend(5);
  assert.ok(!buckets.for('a').hasCredit(), 'in debt');
  now = 5_500;
  assert.ok(buckets.for('a').hasCredit());
  now = 20_000;
  buckets.sweep();
  assert.equal(buckets.size, 0);
});

test('withdrawals: news in order with announcements; a share withdrawn while its announcement waits is never announced', () => {
  const perSecond = 4 * SHARE_BYTES;
  let now = 0;
  const egress = new AddressBuckets(3 * SHARE_BYTES + 64, perSecond, () => now);
  const log: string[] = [];
  const fanout = new AnnounceFanout({
    egress,
    addressOf: () => '192.0.2.1',
    recipientsOf: () => ['r1'],
    send: (_to, message: ServerMessage) => {
      if (message.type === 'announce-file') log.push(`+${message.shares.map((s) => s.size).join(',')}`);
      else if (message.type === 'withdraw-file') log.push(`-${message.ids.map((id) => parseInt(id, 16)).join(',')}`);
      else assert.fail(`unexpected ${message.type}`);
    },
  });
  fanout.announce('a', [share(1), share(2), share(3), share(4), share(5)]);
  assert.deepEqual(log, ['+1,2,3'], 'the burst pays for three');
  fanout.withdraw('a', [share(1).id, share(5).id]);
  assert.deepEqual(log, ['+1,2,3'], 'withdrawing 1 waits behind 4 (in order); 5 was never told, so it is dropped from the queue');
  assert.equal(fanout.waiting, 2);
  for (let t = 0; t < 8; t++) {
    now += 500;
    fanout.flush();
  }
  assert.deepEqual(log, ['+1,2,3', '+4', '-1']);
  assert.equal(fanout.waiting, 0);
});
