import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  CHUNK_SIZE,
  computeShareId,
  decodeVerifiedMetadata,
  encodeMetadata,
  MetadataError,
  placeFiles,
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

test('validateMetadata accepts good metadata and refuses unknown members', () => {
  assert.deepEqual(validateMetadata(sample()), sample());
  assert.throws(() => validateMetadata({ ...sample(), extra: 'x' }), /unknown metadata member "extra"/);
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
  await assert.rejects(decodeVerifiedMetadata(new Uint8Array([0xff, 0xfe]), id), ShareIdMismatchError);
});

/** Bytes whose id matches (the id is just their hash), so only the content checks stand between them and use. */
async function selfConsistent(bytes: Uint8Array): Promise<[Uint8Array, string]> {
  return [bytes, createHash('sha256').update(bytes).digest('hex')];
}

test('decodeVerifiedMetadata refuses bytes that hash right but are not canonical metadata', async () => {
  const cases: [string, Uint8Array][] = [
    ['not UTF-8', new Uint8Array([0xff, 0xfe])],
    ['not JSON', new TextEncoder().encode('{"version":1')],
    ['incomplete', new TextEncoder().encode('{"version":1}')],
    ['white space', new TextEncoder().encode(JSON.stringify(sample(), null, 1))],
    ['reordered', new TextEncoder().encode(JSON.stringify((({ version, ...rest }) => ({ ...rest, version }))(sample())))],
  ];
  for (const [what, raw] of cases) {
    const [bytes, id] = await selfConsistent(raw);
    await assert.rejects(decodeVerifiedMetadata(bytes, id), MetadataError, what);
  }
});

function folder(files: { path: string; size: number }[], overrides: Partial<ShareMetadata> = {}): ShareMetadata {
  const size = files.reduce((n, f) => n + f.size, 0);
  const chunkHashes = Array.from({ length: Math.ceil(size / CHUNK_SIZE) }, (_, i) => sha(`c${i}`));
  return { version: 1, name: 'holiday', type: '', size, chunkSize: CHUNK_SIZE, fileHash: sha('all'), chunkHashes, files, ...overrides };
}

test('a folder share lists its files after the chunk hashes, and chunks run across files', async () => {
  const meta = folder([
    { path: 'a.txt', size: 3 },
    { path: 'photos/b.jpg', size: CHUNK_SIZE },
    { path: 'photos/2024/c.jpg', size: 0 },
  ]);
  assert.equal(meta.chunkHashes.length, 2);
  const text = new TextDecoder().decode(encodeMetadata(meta));
  assert.ok(text.endsWith(`],"files":[{"path":"a.txt","size":3},{"path":"photos/b.jpg","size":65536},{"path":"photos/2024/c.jpg","size":0}]}`), text.slice(-140));
  assert.deepEqual(validateMetadata(JSON.parse(text)), meta);
  const id = await computeShareId(meta);
  assert.deepEqual(await decodeVerifiedMetadata(encodeMetadata(meta), id), meta);
  assert.deepEqual(placeFiles(meta), [
    { path: 'a.txt', size: 3, offset: 0 },
    { path: 'photos/b.jpg', size: CHUNK_SIZE, offset: 3 },
    { path: 'photos/2024/c.jpg', size: 0, offset: CHUNK_SIZE + 3 },
  ]);
  assert.deepEqual(placeFiles(sample()), [{ path: 'report.pdf', size: CHUNK_SIZE + 1, offset: 0 }]);
});

test('a folder share refuses unsafe, duplicate or inconsistent file lists', () => {
  const ok = [{ path: 'a', size: 1 }];
  const bad: [string, unknown][] = [
    ['empty list', { ...folder(ok), files: [] }],
    ['not a list', { ...folder(ok), files: 'a' }],
    ['absolute path', folder([{ path: '/etc/passwd', size: 1 }])],
    ['parent segment', folder([{ path: 'a/../../x', size: 1 }])],
    ['dot segment', folder([{ path: './a', size: 1 }])],
    ['empty segment', folder([{ path: 'a//b', size: 1 }])],
    ['trailing slash', folder([{ path: 'a/', size: 1 }])],
    ['backslash', folder([{ path: 'a\\..\\b', size: 1 }])],
    ['control character', folder([{ path: 'a\u0007', size: 1 }])],
    ['duplicate', folder([{ path: 'a', size: 1 }, { path: 'a', size: 1 }])],
    ['file and folder', folder([{ path: 'a', size: 1 }, { path: 'a/b', size: 1 }])],
    ['folder and file', folder([{ path: 'a/b', size: 1 }, { path: 'a', size: 1 }])],
    ['too deep', folder([{ path: Array(33).fill('d').join('/'), size: 1 }])],
    ['too long', folder([{ path: Array(300).fill('dddd').join('/').slice(0, 1100), size: 1 }])],
    ['negative size', folder([{ path: 'a', size: -1 }, { path: 'b', size: 2 }])],
    ['sizes do not add up', { ...folder(ok), size: 2, chunkHashes: [sha('x')] }],
    ['extra member', { ...folder(ok), files: [{ path: 'a', size: 1, mode: 0o777 }] }],
    ['too many', folder(Array.from({ length: 10_001 }, (_, i) => ({ path: `f${i}`, size: 0 })))],
  ];
  for (const [what, value] of bad) assert.throws(() => validateMetadata(value), MetadataError, what);
});
