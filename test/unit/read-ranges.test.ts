import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRanges, type ByteFile } from '../../workers/byte-store.js';

/** A file of `size` bytes (byte i is i % 251) that counts its reads. */
function memoryFile(size: number) {
  const bytes = Uint8Array.from({ length: size }, (_, i) => i % 251);
  const reads: { at: number; length: number }[] = [];
  const file: ByteFile = {
    size: () => size,
    truncate: async () => undefined,
    write: async () => 0,
    read: async (into, at) => {
      reads.push({ at, length: into.byteLength });
      const part = bytes.subarray(at, at + into.byteLength);
      into.set(part);
      return part.byteLength;
    },
    flush: async () => undefined,
  };
  return { bytes, reads, file };
}

const shortRead = (message: string) => new Error(message);

test('ranges that follow one another are read in one call and land in their own buffers after the reserve', async () => {
  const { bytes, reads, file } = memoryFile(1000);
  const ranges = [
    { offset: 0, length: 100 },
    { offset: 100, length: 100 },
    { offset: 200, length: 50 },
    { offset: 400, length: 100 },
  ];
  const given = [new Uint8Array(300), new Uint8Array(10)]; // the first is reused, the second too short
  const buffers = await readRanges(file, ranges, 4, given, shortRead);
  assert.deepEqual(reads, [{ at: 0, length: 250 }, { at: 400, length: 100 }]);
  assert.equal(buffers[0]!.buffer, given[0]!.buffer);
  assert.notEqual(buffers[1]!.buffer, given[1]!.buffer);
  ranges.forEach(({ offset, length }, i) => {
    assert.equal(buffers[i]!.byteLength, 4 + length);
    assert.deepEqual(buffers[i]!.subarray(4), bytes.subarray(offset, offset + length));
  });
});

test('a short read in a joined group throws what shortRead makes', async () => {
  const { file } = memoryFile(150);
  await assert.rejects(readRanges(file, [{ offset: 0, length: 100 }, { offset: 100, length: 100 }], 0, undefined, shortRead), /short read: 150 of 200 bytes at 0/);
});
