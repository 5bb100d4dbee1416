/** Slices of engine state (web/ui/slice-controller.ts): a subscriber hears only changes of its slice. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Store } from '../../web/engine/store.js';
import { shallowEqual, watchSlice } from '../../web/ui/slice-controller.js';

test('shallow equality: primitives, and objects or arrays one level down by identity', () => {
  const list = [1];
  assert.ok(shallowEqual(1, 1) && shallowEqual('a', 'a') && shallowEqual(Number.NaN, Number.NaN));
  assert.ok(shallowEqual({ a: list, b: 'x' }, { a: list, b: 'x' }));
  assert.ok(!shallowEqual({ a: list }, { a: [1] }), 'a new array is a change');
  assert.ok(!shallowEqual({ a: 1 }, { a: 1, b: undefined }));
  assert.ok(!shallowEqual([1, 2], { 0: 1, 1: 2 }));
  assert.ok(!shallowEqual(null, {}) && !shallowEqual({}, null));
});

test('a watcher is told its slice at once, then only when the slice changes', () => {
  const store = new Store({ peers: ['a'], shares: ['x'], notice: undefined as string | undefined });
  const heard: unknown[] = [];
  const stop = watchSlice(store, (s) => ({ peers: s.peers, notice: s.notice }), (slice) => heard.push(slice));
  store.update((s) => ({ ...s, shares: ['x', 'y'] }));
  store.update((s) => ({ ...s }));
  assert.equal(heard.length, 1, 'other slices changing, or nothing changing, is not news');
  store.update((s) => ({ ...s, notice: 'hi' }));
  store.update((s) => ({ ...s, peers: [...s.peers, 'b'] }));
  assert.deepEqual(heard.slice(1), [{ peers: ['a'], notice: 'hi' }, { peers: ['a', 'b'], notice: 'hi' }]);
  stop();
  store.update((s) => ({ ...s, notice: 'later' }));
  assert.equal(heard.length, 3, 'nothing after unsubscribing');
});
