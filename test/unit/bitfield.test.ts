import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bitfield, BitfieldLengthError } from '../../protocol/index.js';

test('bits are most-significant first, as on the wire', () => {
  const field = new Bitfield(10);
  field.set(0);
  field.set(9);
  assert.deepEqual([...field.bytes], [0x80, 0x40]);
  assert.equal(field.count, 2);
  assert.ok(field.has(9) && !field.has(8));
  assert.equal(field.set(0), false, 'setting twice reports no change');
  assert.equal(field.count, 2);
});

test('full and complete', () => {
  const field = Bitfield.full(9);
  assert.ok(field.complete);
  assert.deepEqual([...field.bytes], [0xff, 0x80]);
  assert.ok(new Bitfield(0).complete);
});

test('a received bitfield of the wrong length or with spare bits set is refused', () => {
  assert.throws(() => new Bitfield(10, new Uint8Array(1)), BitfieldLengthError);
  assert.throws(() => new Bitfield(10, new Uint8Array(3)), BitfieldLengthError);
  assert.throws(() => new Bitfield(10, new Uint8Array([0xff, 0xff])), BitfieldLengthError);
  assert.equal(new Bitfield(10, new Uint8Array([0xff, 0xc0])).count, 10);
});

test('out-of-range indexes', () => {
  const field = new Bitfield(8);
  assert.equal(field.has(8), false);
  assert.equal(field.has(-1), false);
  assert.throws(() => field.set(8), RangeError);
});
