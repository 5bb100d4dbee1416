import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../../plane/rate-limiter.js';

const KiB = 1024;

test('no rate: never waits', () => {
  const limiter = new RateLimiter(() => 0);
  for (let i = 0; i < 1000; i++) assert.equal(limiter.tryTake(64 * KiB), 0);
});

test('a rate holds traffic to it over time, after one burst', () => {
  let now = 0;
  const limiter = new RateLimiter(() => now);
  limiter.rate = 1024 * KiB; // 1 MiB/s, burst 256 KiB
  let sent = 0;
  // Simulate a sender that always sends 64 KiB chunks as soon as allowed, for 10 s.
  while (now < 10_000) {
    const wait = limiter.tryTake(64 * KiB);
    if (wait === 0) sent += 64 * KiB;
    else now += wait;
  }
  const mibPerSecond = sent / (1024 * KiB) / 10;
  assert.ok(mibPerSecond > 0.98 && mibPerSecond < 1.04, `sent ${mibPerSecond.toFixed(3)} MiB/s`);
});

test('waits are exact and nothing is taken while waiting', () => {
  let now = 0;
  const limiter = new RateLimiter(() => now);
  limiter.rate = 256 * KiB;
  assert.equal(limiter.tryTake(256 * KiB), 0, 'the burst');
  assert.equal(limiter.tryTake(64 * KiB), 250, '64 KiB at 256 KiB/s is 250 ms');
  assert.equal(limiter.tryTake(64 * KiB), 250, 'asking again took nothing');
  now = 250;
  assert.equal(limiter.tryTake(64 * KiB), 0);
});

test('a chunk larger than the bucket still goes, once the bucket is full', () => {
  let now = 0;
  const limiter = new RateLimiter(() => now);
  limiter.rate = 10 * KiB;
  assert.equal(limiter.tryTake(1024 * KiB), 0);
  assert.ok(limiter.tryTake(1) > 0, 'then it is in debt');
  now += 200_000;
  assert.equal(limiter.tryTake(1), 0);
});

test('bad rates are refused; null lifts the limit', () => {
  const limiter = new RateLimiter(() => 0);
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => (limiter.rate = bad), RangeError);
  limiter.rate = 1;
  limiter.rate = null;
  assert.equal(limiter.tryTake(1e9), 0);
});
