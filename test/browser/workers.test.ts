/// <reference types="mocha" />
/**
 * The hashing and storage workers in a real Chromium, reached through Comlink exactly as the engine
 * reaches them.
 */
import * as Comlink from 'comlink';
import { CHUNK_SIZE } from '../../protocol/index.js';
import type { Hasher } from '../../workers/hasher.worker.js';
import type { ShareStorage } from '../../workers/storage.worker.js';

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

const hasher = Comlink.wrap<Hasher>(new Worker(new URL('../../workers/hasher.worker.ts', import.meta.url), { type: 'module' }));
await hasher.useWholeHashWorker(new URL('../../workers/whole-hash.worker.ts', import.meta.url).href);

async function webCryptoHex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function patterned(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}

/** A share of `count` chunks of patterned bytes (the last one short), with its metadata. */
async function patternedShare(name: string, count: number) {
  const size = count * CHUNK_SIZE - 1000;
  const bytes = patterned(size);
  const chunk = (i: number) => bytes.slice(i * CHUNK_SIZE, Math.min(size, (i + 1) * CHUNK_SIZE));
  const chunkHashes = await Promise.all(Array.from({ length: count }, (_, i) => webCryptoHex(chunk(i))));
  return { count, chunk, meta: { version: 1, name, type: '', size, chunkSize: CHUNK_SIZE, fileHash: await webCryptoHex(bytes), chunkHashes } };
}

describe('hashing worker through Comlink', () => {
  it('hashes the empty file: no chunks, the SHA-256 of nothing', async () => {
    assertEqual(await hasher.hashFile(new Blob([]), 1), { chunkHashes: [], fileHash: EMPTY }, 'empty file');
  });

  it('hashes "abc" to the FIPS 180-2 vector', async () => {
    assertEqual(await hasher.hashFile(new Blob(['abc']), 2), { chunkHashes: [ABC], fileHash: ABC }, '"abc"');
    assertEqual(await hasher.sha256(new TextEncoder().encode('abc')), ABC, 'sha256("abc")');
  });

  it('hashes a multi-slice file chunk by chunk and whole, reporting progress', async () => {
    const size = 70 * CHUNK_SIZE + 123; // crosses the worker's 4 MiB read slices
    const bytes = patterned(size);
    const progress: number[] = [];
    const result = await hasher.hashFile(new Blob([bytes as Uint8Array<ArrayBuffer>]), 3, Comlink.proxy((done: number) => void progress.push(done)));
    assertEqual(result.chunkHashes.length, 71, 'chunk count');
    assertEqual(result.fileHash, await webCryptoHex(bytes), 'whole-file hash');
    assertEqual(result.chunkHashes[0], await webCryptoHex(bytes.subarray(0, CHUNK_SIZE)), 'first chunk');
    assertEqual(result.chunkHashes[70], await webCryptoHex(bytes.subarray(70 * CHUNK_SIZE)), 'short last chunk');
    await new Promise((r) => setTimeout(r, 50));
    assertEqual(progress.at(-1), size, 'progress ends at the file size');
  });

  it('hashes files from a stream whose pieces do not line up with chunks, twice in a row', async () => {
    const parts = [patterned(1000), patterned(3 * CHUNK_SIZE), patterned(CHUNK_SIZE - 1), patterned(5 << 20)];
    const blob = new Blob(parts as Uint8Array<ArrayBuffer>[]);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const [first, second] = await Promise.all([hasher.hashFile(blob, 4), hasher.hashFile(blob, 5)]);
    assertEqual(first, second, 'the same file hashed concurrently');
    assertEqual(first.fileHash, await webCryptoHex(bytes), 'whole-file hash');
    assertEqual(first.chunkHashes[4], await webCryptoHex(bytes.subarray(4 * CHUNK_SIZE, 5 * CHUNK_SIZE)), 'a chunk spanning blob parts');
  });

  it('fails, instead of hanging, when its whole-file worker cannot load', async () => {
    const broken = Comlink.wrap<Hasher>(new Worker(new URL('../../workers/hasher.worker.ts', import.meta.url), { type: 'module' }));
    await broken.useWholeHashWorker(new URL('./no-such-worker.js', import.meta.url).href);
    let message = '';
    await broken.hashFile(new Blob(['abc']), 6).catch((e: Error) => (message = e.message));
    assertEqual(message.startsWith('the whole-file hashing worker failed'), true, `rejected (${message})`);
  });
});

for (const backend of ['opfs', 'indexeddb'] as const) describe(`storage worker with share bytes in ${backend}, through Comlink`, () => {
  const shareId = 'a'.repeat(64);
  const storage = Comlink.wrap<ShareStorage>(new Worker(new URL('../../workers/storage.worker.ts', import.meta.url), { type: 'module' }));
  before(async () => assertEqual(await storage.useBackend(backend), backend, 'backend in use'));

  it('imports a file, stores it under its share id, and reads chunks back', async () => {
    const bytes = patterned(3 * CHUNK_SIZE + 5);
    const temp = await storage.importFile(new Blob([bytes as Uint8Array<ArrayBuffer>]), 1);
    await storage.commitImport(temp, shareId);
    const last = await storage.readChunk(shareId, 3 * CHUNK_SIZE, 5, 5);
    assertEqual([...last.subarray(5)], [...bytes.subarray(3 * CHUNK_SIZE)], 'last chunk after the reserved header');
    assertEqual(await storage.hashStoredShare(shareId), await webCryptoHex(bytes), 'stored bytes hash to the original');
    await storage.removeShare(shareId);
  });

  it('an import stops when cancelled and leaves no copy behind', async () => {
    const imports = async () => {
      if (backend !== 'opfs') return [];
      const names: string[] = [];
      for await (const name of (await (await navigator.storage.getDirectory()).getDirectoryHandle('shares', { create: true })).keys()) if (name.startsWith('import-')) names.push(name);
      return names;
    };
    const before = await imports();
    const importing = storage.importFile(new Blob([new Uint8Array(64 * 1024 * 1024)]), 2);
    await storage.cancelImport(2);
    const error = await importing.then(() => undefined, (e: Error) => e);
    assertEqual(error?.name, 'ImportCancelledError', 'the import rejects as cancelled');
    assertEqual(await imports(), before, 'no import file left');
  });

  const meta = { version: 1, name: 'x', type: '', size: 3, chunkSize: CHUNK_SIZE, fileHash: ABC, chunkHashes: [ABC] };

  it('writes a chunk only when it has the right length and hash, and records it', async () => {
    assertEqual([...(await storage.allocate(shareId, meta))], [0], 'a new download holds nothing');
    assertEqual(await storage.writeVerifiedChunk(shareId, 0, new TextEncoder().encode('abd')), false, 'corrupt chunk refused');
    assertEqual(await storage.writeVerifiedChunk(shareId, 0, new TextEncoder().encode('abcd')), false, 'wrong length refused');
    let threw = '';
    await storage.writeVerifiedChunk(shareId, 5, new TextEncoder().encode('abc')).catch((e: Error) => (threw = e.name));
    assertEqual(threw, 'ChunkOutOfRangeError', 'index outside the share');
    assertEqual(await storage.writeVerifiedChunk(shareId, 0, new TextEncoder().encode('abc')), true, 'good chunk written');
    assertEqual(await storage.hashStoredShare(shareId), ABC, 'file holds the verified chunk');
    await storage.flushProgress(shareId);
    assertEqual([...(await storage.getShare(shareId))!.bitfield], [0x80], 'bitfield saved');
    assertEqual([...(await storage.allocate(shareId, meta))], [0x80], 'a resumed download knows what it has');
    await storage.completeShare(shareId);
    const record = await storage.getShare(shareId);
    assertEqual(record!.complete, true, 'completion saved');
    assertEqual((await storage.listShares()).map((s) => s.id), [shareId], 'listed');
    await storage.removeShare(shareId);
    assertEqual(await storage.getShare(shareId), undefined, 'removed');
  });

  it('keeps the whole-file hash right through concurrent, shuffled and repeated writes', async () => {
    const { count, chunk, meta: meta40 } = await patternedShare('z', 40);
    await storage.allocate(shareId, meta40);
    // In order, then a gap, reversed, in concurrent batches, with endgame-style duplicates.
    const order = [0, 1, 2, 3, 9, 8, 7, 6, 5, 4, 2, 10, 11, ...Array.from({ length: count - 12 }, (_, i) => count - 1 - i), 39, 12, 0];
    for (let at = 0; at < order.length; at += 5) {
      const batch = order.slice(at, at + 5);
      const results = await Promise.all(batch.map((i) => storage.writeVerifiedChunk(shareId, i, chunk(i))));
      assertEqual(results.every(Boolean), true, `batch ${batch.join(',')} written`);
    }
    assertEqual(await storage.hashStoredShare(shareId), meta40.fileHash, 'whole file');
    assertEqual(await storage.hashStoredShare(shareId), meta40.fileHash, 'whole file, asked again');
    await storage.removeShare(shareId);
  });

  it('saves chunk marks in batches: a worker that dies unflushed loses at most its last batch, never marks a chunk it lacks', async () => {
    const id = 'b'.repeat(64);
    const { count, chunk, meta: meta40 } = await patternedShare('w', 40);
    const open = async () => {
      const worker = new Worker(new URL('../../workers/storage.worker.ts', import.meta.url), { type: 'module' });
      const api = Comlink.wrap<ShareStorage>(worker);
      await api.useBackend(backend);
      return { worker, api };
    };
    const first = await open();
    await first.api.allocate(id, meta40);
    for (let i = 0; i < 20; i++) await first.api.writeVerifiedChunk(id, i, chunk(i));
    await new Promise((r) => setTimeout(r, 400)); // longer than a batch may wait
    for (let i = 20; i < 23; i++) await first.api.writeVerifiedChunk(id, i, chunk(i));
    first.worker.terminate(); // no flushProgress: as when the tab crashes

    const second = await open();
    const bits = await second.api.allocate(id, meta40);
    const marked = Array.from({ length: count }, (_, i) => (bits[i >> 3]! & (0x80 >> (i & 7))) !== 0);
    assertEqual(marked.slice(0, 20).every(Boolean), true, 'every chunk written before the pause is on record');
    assertEqual(marked.slice(23).some(Boolean), false, 'nothing marked that was never written');
    for (let i = 0; i < count; i++) if (!marked[i]) assertEqual(await second.api.writeVerifiedChunk(id, i, chunk(i)), true, `chunk ${i} fetched again`);
    assertEqual(await second.api.hashStoredShare(id), meta40.fileHash, 'whole file');
    await second.api.removeShare(id);
    second.worker.terminate();
  });

  it('keeps chunks written out of order, at the end, and across a reopen; reads what the service worker would serve', async () => {
    const size = 5 * CHUNK_SIZE + 77;
    const bytes = patterned(size);
    const hashes = await Promise.all(Array.from({ length: 6 }, (_, i) => webCryptoHex(bytes.subarray(i * CHUNK_SIZE, Math.min(size, (i + 1) * CHUNK_SIZE)))));
    const big = { version: 1, name: 'y', type: '', size, chunkSize: CHUNK_SIZE, fileHash: await webCryptoHex(bytes), chunkHashes: hashes };
    await storage.allocate(shareId, big);
    for (const index of [5, 0, 3]) assertEqual(await storage.writeVerifiedChunk(shareId, index, bytes.slice(index * CHUNK_SIZE, Math.min(size, (index + 1) * CHUNK_SIZE))), true, `chunk ${index}`);
    await storage.flushProgress(shareId);
    await storage.release(shareId);
    assertEqual([...(await storage.allocate(shareId, big))], [0b10010100], 'chunks 0, 3 and 5 on record after a reopen');
    const [never] = await storage.readChunks(shareId, [{ offset: CHUNK_SIZE, length: CHUNK_SIZE }]);
    assertEqual(never!.every((b) => b === 0), true, 'a chunk never written reads as zeros');
    for (const index of [1, 2, 4]) await storage.writeVerifiedChunk(shareId, index, bytes.slice(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE));
    assertEqual(await storage.hashStoredShare(shareId), big.fileHash, 'whole file');
    const chunks = await storage.readChunks(shareId, [{ offset: 5 * CHUNK_SIZE, length: 77 }, { offset: 0, length: CHUNK_SIZE }], 5);
    assertEqual([...chunks[0]!.subarray(5)], [...bytes.subarray(5 * CHUNK_SIZE)], 'the short last chunk');
    assertEqual(await webCryptoHex(chunks[1]!.subarray(5)), hashes[0], 'the first chunk');
    const frames = [new Uint8Array(5 + CHUNK_SIZE).fill(7), new Uint8Array(10)];
    const reused = await storage.readChunks(shareId, [{ offset: 0, length: CHUNK_SIZE }, { offset: 5 * CHUNK_SIZE, length: 77 }], 5, frames);
    assertEqual(await webCryptoHex(reused[0]!.subarray(5)), hashes[0], 'a chunk read into a given frame');
    assertEqual(reused[0]!.buffer.byteLength, 5 + CHUNK_SIZE, 'the given frame, whole');
    assertEqual([...reused[1]!.subarray(5)], [...bytes.subarray(5 * CHUNK_SIZE)], 'a frame too small for its range: read into a fresh buffer');
    await storage.completeShare(shareId);
    await storage.release(shareId);
    const { storedFileBlob } = await import('../../workers/stored-file.js');
    const blob = await storedFileBlob(`${shareId}.bin`);
    assertEqual(blob?.size, size, 'the page (like the service worker) sees the whole file');
    assertEqual(await webCryptoHex(new Uint8Array(await blob!.slice(CHUNK_SIZE - 3, 3 * CHUNK_SIZE + 9).arrayBuffer())), await webCryptoHex(bytes.subarray(CHUNK_SIZE - 3, 3 * CHUNK_SIZE + 9)), 'a range across blocks');
    await storage.removeShare(shareId);
    assertEqual(await storedFileBlob(`${shareId}.bin`), undefined, 'removed from storage');
  });
});
