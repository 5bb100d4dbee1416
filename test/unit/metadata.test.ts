import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  CHUNK_SIZE,
  computeShareId,
  decodeVerifiedMetadata,
  encodeMetadata,
  MetadataError,
  ShareIdMismatchError,
  validateMetadata,
  type ShareMetadata,
} from '../../protocol/index.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function sample(overrides: Partial<ShareMetadata> = {}): ShareMetadata {
  return { version: 1, name: 'report.pdf', type: 'application/pdf', size: CHUNK_SIZE + 1, chunkSize: CHUNK_SIZE, fileHash: sha('file'), chunkHashes: [sha('a'), sha('b')], ...overrides };
}

test('canonical encoding has a fixed key order and no white space', () => {
  const shuffled = { chunkHashes: sample().chunkHashes, fileHash: sample().fileHash, size: sample().size, chunkSize: CHUNK_SIZE, type: 'application/pdf', name: 'report.pdf', version: 1 };
  const text = new TextDecoder().decode(encodeMetadata(shuffled));
  assert.equal(text, new TextDecoder().decode(encodeMetadata(sample())));
  assert.ok(text.startsWith('{"version":1,"name":"report.pdf","type":"application/pdf","size":65537,"chunkSize":65536,"fileHash":"'));
  assert.ok(!/\s/.test(text));
});

test('share id is the SHA-256 of the canonical encoding', async () => {
  const meta = sample();
  const expected = createHash('sha256').update(encodeMetadata(meta)).digest('hex');
  assert.equal(await computeShareId(meta), expected);
  assert.notEqual(await computeShareId(sample({ name: 'other.pdf' })), expected);
});

test('validateMetadata accepts good metadata and drops unknown fields', () => {
  const meta = validateMetadata({ ...sample(), extra: 'ignored' });
  assert.deepEqual(meta, sample());
});

test('validateMetadata refuses each malformed field', () => {
  const bad: [string, unknown][] = [
    ['not an object', 'x'],
    ['array', []],
    ['version', { ...sample(), version: 2 }],
    ['empty name', { ...sample(), name: '' }],
    ['path in name', { ...sample(), name: '../etc/passwd' }],
    ['control char', { ...sample(), name: 'a\u0000b' }],
    ['dot-dot', { ...sample(), name: '..' }],
    ['long name', { ...sample(), name: 'x'.repeat(256) }],
    ['negative size', { ...sample(), size: -1 }],
    ['fractional size', { ...sample(), size: 1.5 }],
    ['chunk size', { ...sample(), chunkSize: 1024 }],
    ['file hash', { ...sample(), fileHash: 'ABC' }],
    ['upper-case hash', { ...sample(), fileHash: sha('x').toUpperCase() }],
    ['hash count', { ...sample(), chunkHashes: [sha('a')] }],
    ['hash type', { ...sample(), chunkHashes: [sha('a'), 7] }],
    ['type', { ...sample(), type: 5 }],
  ];
  for (const [what, value] of bad) assert.throws(() => validateMetadata(value), MetadataError, what);
});

test('decodeVerifiedMetadata: a peer cannot substitute other content for a share id', async () => {
  const meta = sample();
  const id = await computeShareId(meta);
  assert.deepEqual(await decodeVerifiedMetadata(encodeMetadata(meta), id), meta);
  const forged = encodeMetadata(sample({ fileHash: sha('evil') }));
  await assert.rejects(decodeVerifiedMetadata(forged, id), ShareIdMismatchError);
  await assert.rejects(decodeVerifiedMetadata(new Uint8Array([0xff, 0xfe]), id), MetadataError);
  await assert.rejects(decodeVerifiedMetadata(new TextEncoder().encode('{"version":1}'), id), MetadataError);
});
