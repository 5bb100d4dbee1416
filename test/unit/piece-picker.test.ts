import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bitfield } from '../../protocol/index.js';
import { PICK_WINDOW, PiecePicker, pipelineDepth } from '../../plane/piece-picker.js';

const holding = (length: number, indexes: number[]) => {
  const field = new Bitfield(length);
  indexes.forEach((i) => field.set(i));
  return field;
};

test('picks only chunks the peer has, we lack, and nobody is fetching', () => {
  const mine = holding(6, [0]);
  const picker = new PiecePicker(mine);
  const peer = holding(6, [0, 1, 2, 4]);
  picker.peerAdded(peer);
  const picked: number[] = [];
  for (let i = picker.next(peer); i >= 0; i = picker.next(peer)) {
    picker.markRequested(i);
    picked.push(i);
  }
  assert.deepEqual(picked.sort(), [1, 2, 4]);
});

test('rarest first: a chunk only one peer holds goes before a common one', () => {
  const picker = new PiecePicker(new Bitfield(4));
  const everyone = Bitfield.full(4);
  const a = holding(4, [0, 1, 2, 3]);
  const b = holding(4, [0, 1, 3]);
  const c = holding(4, [0, 1]);
  [a, b, c].forEach((p) => picker.peerAdded(p));
  assert.deepEqual([...picker.availability], [3, 3, 1, 2]);
  assert.equal(picker.next(everyone), 2);
  picker.markRequested(2);
  assert.equal(picker.next(everyone), 3);
});

test('availability follows peers leaving and HAVE messages', () => {
  const picker = new PiecePicker(new Bitfield(3));
  const a = holding(3, [0, 1]);
  picker.peerAdded(a);
  picker.peerHas(2);
  assert.deepEqual([...picker.availability], [1, 1, 1]);
  picker.peerRemoved(a);
  assert.deepEqual([...picker.availability], [0, 0, 1]);
});

test('released chunks are picked again; received ones never', () => {
  const picker = new PiecePicker(new Bitfield(3));
  const peer = Bitfield.full(3);
  picker.peerAdded(peer);
  for (let i = 0; i < 3; i++) picker.markRequested(picker.next(peer));
  assert.equal(picker.next(peer), -1);
  picker.release(1);
  assert.equal(picker.next(peer), 1);
  picker.received(0);
  picker.received(2);
  assert.equal(picker.remaining, 1);
  assert.ok(picker.mine.has(0) && picker.mine.has(2));
});

test('endgame: once every missing chunk is requested, duplicates go to another peer', () => {
  const picker = new PiecePicker(new Bitfield(3));
  const slow = Bitfield.full(3);
  const fast = Bitfield.full(3);
  picker.peerAdded(slow);
  picker.peerAdded(fast);
  const slowFlight = new Set<number>();
  for (let i = picker.next(slow); i >= 0; i = picker.next(slow)) {
    picker.markRequested(i);
    slowFlight.add(i);
  }
  assert.ok(picker.endgame);
  assert.equal(picker.next(fast), -1, 'no fresh chunk left');
  assert.equal(picker.nextDuplicate(fast, () => false), -1, 'only chunks the caller accepts (e.g. overdue ones)');
  const duplicate = picker.nextDuplicate(fast, () => true);
  assert.ok(slowFlight.has(duplicate));
  assert.equal(picker.nextDuplicate(slow, (i) => !slowFlight.has(i)), -1, 'never duplicated to the same peer');
  picker.markRequested(duplicate);
  assert.notEqual(picker.nextDuplicate(fast, () => true), duplicate, 'a chunk is duplicated once at most');
  picker.received(duplicate);
  assert.equal(picker.remaining, 2);
  assert.ok(picker.endgame);
});

test('picks stay cheap on huge files: a bounded window is scanned', () => {
  const count = 1 << 20; // 64 GiB of chunks
  const picker = new PiecePicker(new Bitfield(count));
  const peer = Bitfield.full(count);
  const started = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) picker.markRequested(picker.next(peer));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(PICK_WINDOW < count);
  assert.equal(picker.next(peer), 2000, 'sequential when every chunk is equally rare (the whole-file hash keeps up from memory)');
  assert.ok(ms < 2000, `2000 picks took ${ms} ms`);
});

test('pipeline depth follows measured throughput within bounds', () => {
  const options = { min: 4, max: 64, targetMs: 250 };
  assert.equal(pipelineDepth(0, 65536, options), 4);
  assert.equal(pipelineDepth(Number.NaN, 65536, options), 4);
  assert.equal(pipelineDepth(4 * 65536, 65536, options), 4);
  assert.equal(pipelineDepth(100 * 65536, 65536, options), 25);
  assert.equal(pipelineDepth(1e12, 65536, options), 64);
});

test('a reader\'s chunks go first, in order, over rarer ones; dropped, rarest first again', () => {
  const picker = new PiecePicker(holding(10, [5]));
  const everyone = Bitfield.full(10);
  const mostOfIt = holding(10, [0, 2, 3, 4, 5, 6, 7, 8, 9]); // chunk 1 is the rare one
  [everyone, mostOfIt].forEach((p) => picker.peerAdded(p));
  picker.prioritize(7, 4, 8);
  assert.deepEqual(picker.priorities, [{ from: 4, to: 8 }]);
  const picked: number[] = [];
  for (let i = 0; i < 3; i++) {
    const index = picker.next(everyone);
    picker.markRequested(index);
    picked.push(index);
  }
  assert.deepEqual(picked, [4, 6, 7], 'in order, skipping the chunk held (5)');
  picker.deprioritize(7);
  assert.deepEqual(picker.priorities, []);
  assert.equal(picker.next(everyone), 1, 'the rare chunk once no reader waits');
});

test('a priority window is clipped to the file', () => {
  const picker = new PiecePicker(new Bitfield(4));
  picker.prioritize(1, 2, 100);
  assert.deepEqual(picker.priorities, [{ from: 2, to: 4 }]);
  assert.equal(picker.next(Bitfield.full(4)), 2);
});

test('a seeder is spared the chunks a partial peer here holds: those are left to that peer', () => {
  const picker = new PiecePicker(new Bitfield(64));
  const seeder = Bitfield.full(64);
  const partial = holding(64, Array.from({ length: 32 }, (_, i) => i)); // chunks 0..31
  picker.peerAdded(seeder);
  picker.peerAdded(partial, true);
  const fromSeeder = Array.from({ length: 32 }, () => {
    const index = picker.next(seeder, true);
    if (index >= 0) picker.markRequested(index);
    return index;
  });
  assert.ok(fromSeeder.every((i) => i >= 32), `the seeder is asked only for what the partial peer lacks: ${fromSeeder}`);
  assert.equal(picker.next(seeder, true), -1, 'nothing else to ask the seeder for');
  assert.ok(picker.next(partial) >= 0 && picker.next(partial) < 32, 'the partial peer is asked for its chunks');
  assert.ok(picker.next(seeder) >= 0, 'without sparing, the seeder may be asked for them too');
});

/** A seeded PRNG (mulberry32), so that a crowd's random tie-breaking is the same on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('in a crowd, leechers ask the seeder for different chunks (equally rare ones at random); alone, in order', () => {
  const seeder = Bitfield.full(256);
  const firstPicks = (crowd: boolean) =>
    [1, 2, 3, 4].map((leecher) => {
      const picker = new PiecePicker(new Bitfield(256), seeded(leecher));
      picker.crowd = crowd;
      picker.peerAdded(seeder);
      return Array.from({ length: 16 }, () => {
        const index = picker.next(seeder);
        picker.markRequested(index);
        return index;
      });
    });
  assert.deepEqual(firstPicks(false)[0], [...Array(16).keys()], 'alone: in order');
  const spread = new Set(firstPicks(true).flat()).size;
  assert.ok(spread >= 56, `64 first requests of four leechers in a crowd hit ${spread} distinct chunks`);
});
