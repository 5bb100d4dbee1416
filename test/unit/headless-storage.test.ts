/**
 * The headless peer's disk storage: a share's bytes across a folder's files (reads and writes that
 * cross file boundaries, empty files, paths that would leave the folder), and NodeStorage's
 * download lifecycle: only verified chunks are written, progress survives a restart, the finished
 * file gets its name (or a free one), and removing a finished share never deletes the user's file.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CHUNK_SIZE, computeShareId, PROTOCOL_VERSION, type ShareMetadata } from '../../protocol/index.js';
import { shareFilesUnder, SpanFile, UnsafePathError } from '../../headless/span-file.js';
import { NodeStorage } from '../../headless/node-storage.js';
import { hashDiskFiles } from '../../headless/node-hasher.js';

const dirs: string[] = [];
const temp = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-headless-unit-'));
  dirs.push(dir);
  return dir;
};
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('a span over a folder reads and writes across file boundaries, empty files included', async () => {
  const root = join(await temp(), 'album');
  const meta = { name: 'album', size: 10, files: [{ path: 'a', size: 3 }, { path: 'e', size: 0 }, { path: 'sub/b', size: 7 }] };
  const span = await SpanFile.open(shareFilesUnder(root, meta), true);
  await span.truncate(10);
  assert.equal(await span.write(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0), 10);
  const middle = new Uint8Array(4);
  assert.equal(await span.read(middle, 2), 4);
  assert.deepEqual([...middle], [3, 4, 5, 6]);
  await span.close();
  assert.deepEqual([...(await readFile(join(root, 'a')))], [1, 2, 3]);
  assert.deepEqual([...(await readFile(join(root, 'e')))], []);
  assert.deepEqual([...(await readFile(join(root, 'sub', 'b')))], [4, 5, 6, 7, 8, 9, 10]);
  const again = await SpanFile.open(shareFilesUnder(root, meta), false);
  const tail = new Uint8Array(5);
  assert.equal(await again.read(tail, 8), 2, 'a read past the end is short');
  await again.close();
});

test('a path that would leave the download folder is refused', () => {
  for (const path of ['../escape', 'sub/../../escape', '..']) {
    assert.throws(() => shareFilesUnder('/tmp/x/album', { name: 'album', size: 1, files: [{ path, size: 1 }] }), UnsafePathError, path);
  }
  // A leading slash names no root: the file stays inside.
  assert.equal(shareFilesUnder('/tmp/x/album', { name: 'album', size: 1, files: [{ path: '/etc/passwd', size: 1 }] })[0]!.at, '/tmp/x/album/etc/passwd');
});

async function shareOf(bytes: Uint8Array, name: string): Promise<{ id: string; meta: ShareMetadata }> {
  const dir = await temp();
  await writeFile(join(dir, name), bytes);
  const hashes = await hashDiskFiles([{ at: join(dir, name), size: bytes.byteLength }]);
  const meta: ShareMetadata = { version: PROTOCOL_VERSION, name, type: '', size: bytes.byteLength, chunkSize: CHUNK_SIZE, ...hashes };
  return { id: await computeShareId(meta), meta };
}

test('hashing from disk gives the chunk and whole-file SHA-256s (an empty file has no chunks)', async () => {
  const bytes = randomBytes(3 * CHUNK_SIZE + 5);
  const { meta } = await shareOf(bytes, 'h.bin');
  assert.equal(meta.fileHash, sha(bytes));
  assert.deepEqual(meta.chunkHashes, [0, 1, 2, 3].map((i) => sha(bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE))));
  const empty = await shareOf(new Uint8Array(0), 'empty');
  assert.deepEqual(empty.meta.chunkHashes, []);
  assert.equal(empty.meta.fileHash, sha(new Uint8Array(0)));
});

test('a download: bad chunks are not written, progress survives a restart, the finished file takes a free name, and removing it keeps the file', async () => {
  const bytes = randomBytes(5 * CHUNK_SIZE + 100);
  const { id, meta } = await shareOf(bytes, 'movie.mkv');
  const state = await temp();
  const out = await temp();
  await writeFile(join(out, 'movie.mkv'), 'someone else\'s file');
  const chunk = (i: number) => new Uint8Array(bytes.subarray(i * CHUNK_SIZE, Math.min(bytes.byteLength, (i + 1) * CHUNK_SIZE)));

  const first = new NodeStorage({ stateDir: state, downloadDir: out });
  assert.deepEqual([...(await first.allocate(id, meta))], [0]);
  assert.equal(await first.writeVerifiedChunk(id, 0, chunk(0)), true);
  assert.equal(await first.writeVerifiedChunk(id, 1, chunk(2)), false, 'the wrong bytes for chunk 1');
  const short = chunk(1).subarray(1);
  assert.equal(await first.writeVerifiedChunk(id, 1, short), false, 'a chunk of the wrong length');
  await assert.rejects(first.writeVerifiedChunk(id, 99, chunk(0)), { name: 'ChunkOutOfRangeError' });
  assert.equal(await first.writeVerifiedChunk(id, 3, chunk(3)), true);
  await first.close(); // what a Ctrl-C does

  const second = new NodeStorage({ stateDir: state, downloadDir: out });
  const resumed = await second.allocate(id, meta);
  assert.deepEqual([...resumed], [0b10010000], 'chunks 0 and 3 survived the restart');
  for (const i of [1, 2, 4, 5]) assert.equal(await second.writeVerifiedChunk(id, i, chunk(i)), true);
  assert.equal(await second.hashStoredShare(id), meta.fileHash);
  await second.completeShare(id);
  assert.deepEqual((await readdir(out)).sort(), ['movie (2).mkv', 'movie.mkv']);
  assert.equal(sha(await readFile(join(out, 'movie (2).mkv'))), meta.fileHash);
  assert.equal(await readFile(join(out, 'movie.mkv'), 'utf8'), 'someone else\'s file', 'the file that was there is untouched');
  const [read] = await second.readChunks(id, [{ offset: CHUNK_SIZE, length: CHUNK_SIZE }], 4);
  assert.deepEqual(read!.subarray(4), chunk(1), 'served from where it was saved, after a 4-byte reserve');
  const record = await second.getShare(id);
  assert.equal(record?.complete, true);
  assert.equal(record?.source?.kind, 'handle', 'seeded from disk from now on');
  await second.removeShare(id);
  assert.equal(await second.getShare(id), undefined);
  assert.equal(sha(await readFile(join(out, 'movie (2).mkv'))), meta.fileHash, 'removing the share keeps the downloaded file');
});

test('a share whose file changed on disk is not served', async () => {
  const bytes = randomBytes(2 * CHUNK_SIZE);
  const { id, meta } = await shareOf(bytes, 'c.bin');
  const state = await temp();
  const out = await temp();
  const storage = new NodeStorage({ stateDir: state, downloadDir: out });
  await storage.allocate(id, meta);
  for (const i of [0, 1]) await storage.writeVerifiedChunk(id, i, new Uint8Array(bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)));
  await storage.completeShare(id);
  await new Promise((r) => setTimeout(r, 20));
  await writeFile(join(out, 'c.bin'), randomBytes(2 * CHUNK_SIZE));
  storage.forgetReadable(id);
  await assert.rejects(storage.readChunks(id, [{ offset: 0, length: CHUNK_SIZE }]), { name: 'SourceChangedError' });
});
