/// <reference types="mocha" />
/**
 * SourceFile, the read-only view of a share read where it lies, over a real FileSystemFileHandle
 * (an OPFS file here: the same interface, snapshot and staleness rules as a file the user picked).
 */
import { SourceChangedError, SourceFile, SourcePermissionError, sourceSnapshot } from '../../workers/source-file.js';
import type { ShareSource } from '../../workers/share-records.js';

function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff);
let counter = 0;

/** A fresh OPFS file holding `content`, and its source record as the share would keep it. */
async function sourceOf(content: Uint8Array): Promise<{ handle: FileSystemFileHandle; source: ShareSource; remove: () => Promise<void> }> {
  const root = await navigator.storage.getDirectory();
  const name = `source-file-test-${Date.now()}-${counter++}.bin`;
  const handle = await root.getFileHandle(name, { create: true });
  await rewrite(handle, content);
  const file = await handle.getFile();
  return { handle, source: { kind: 'handle', handle, size: file.size, lastModified: file.lastModified }, remove: () => root.removeEntry(name) };
}

async function rewrite(handle: FileSystemFileHandle, content: Uint8Array): Promise<void> {
  const writable = await handle.createWritable();
  await writable.write(content as Uint8Array<ArrayBuffer>);
  await writable.close();
}

describe('SourceFile over a real file handle', () => {
  it('reads any range as the file holds it: whole, inside, across the end, past the end', async () => {
    const { source, remove } = await sourceOf(bytes);
    const file = await SourceFile.open(source, 'a.bin');
    assertEqual(file.size(), 5000, 'size');
    const inside = new Uint8Array(100);
    assertEqual(await file.read(inside, 1234), 100, 'count inside');
    assertEqual([...inside], [...bytes.subarray(1234, 1334)], 'bytes inside');
    const tail = new Uint8Array(100);
    assertEqual(await file.read(tail, 4950), 50, 'count across the end');
    assertEqual([...tail.subarray(0, 50)], [...bytes.subarray(4950)], 'bytes across the end');
    assertEqual(await file.read(new Uint8Array(10), 5000), 0, 'count at the end');
    assertEqual(await file.read(new Uint8Array(10), 9000), 0, 'count past the end');
    await remove();
  });

  it('reads that cross its read-ahead windows, in any order, give the file\'s bytes', async () => {
    const big = Uint8Array.from({ length: 5 * 2 ** 20 + 1000 }, (_, i) => (i * 13 + (i >> 16)) & 0xff);
    const { source, remove } = await sourceOf(big);
    const file = await SourceFile.open(source, 'big.bin');
    const ranges = [
      [2 ** 21 - 300, 65536], // across the first window's end
      [0, 100],
      [5 * 2 ** 20 - 10, 65536], // across the last window into the short tail
      [2 ** 21 + 5, 3 * 2 ** 20], // longer than a window
      [17, 70000],
      [4 * 2 ** 20 + 1, 64],
    ];
    for (const [at, length] of ranges) {
      const into = new Uint8Array(length!);
      const count = await file.read(into, at!);
      const expected = big.subarray(at!, at! + length!);
      assertEqual(count, expected.byteLength, `count at ${at}`);
      if (into.subarray(0, count).some((b, i) => b !== expected[i])) throw new Error(`bytes at ${at} differ`);
    }
    await remove();
  });

  it('is read-only: write and truncate are refused and the file is untouched', async () => {
    const { handle, source, remove } = await sourceOf(bytes);
    const file = await SourceFile.open(source, 'a.bin');
    const refusedWrite = await rejection(file.write());
    const refusedTruncate = await rejection(file.truncate());
    assertEqual([refusedWrite.name, refusedTruncate.name], ['TypeError', 'TypeError'], 'refusals');
    assertEqual((await handle.getFile()).size, 5000, 'size on disk');
    await remove();
  });

  it('a file changed after sharing: not opened again, and an open snapshot stops reading', async () => {
    const { handle, source, remove } = await sourceOf(bytes);
    const open = await SourceFile.open(source, 'a.bin');
    await new Promise((r) => setTimeout(r, 20)); // a later modification time
    const changed = bytes.slice();
    changed[10] = 255 - bytes[10]!; // same size, other content
    await rewrite(handle, changed);

    const reopened = await rejection(SourceFile.open(source, 'a.bin'));
    assertEqual(reopened instanceof SourceChangedError, true, `reopen refused as changed (${reopened.name}: ${reopened.message})`);
    const stale = await rejection(open.read(new Uint8Array(100), 0));
    assertEqual(stale instanceof SourceChangedError, true, `the old snapshot refused as changed (${stale.name}: ${stale.message})`);
    await remove();
  });

  it('a file grown or deleted after sharing is reported as changed, never served', async () => {
    const { handle, source, remove } = await sourceOf(bytes);
    await rewrite(handle, new Uint8Array(6000));
    const grown = await rejection(sourceSnapshot(source, 'a.bin'));
    assertEqual(grown instanceof SourceChangedError && /changed on disk/.test(grown.message), true, `grown: ${grown.message}`);
    await remove();
    const gone = await rejection(sourceSnapshot(source, 'a.bin'));
    assertEqual(gone instanceof SourceChangedError && /moved, renamed or deleted/.test(gone.message), true, `deleted: ${gone.message}`);
  });

  it('a handle the browser no longer lets it read asks for permission', async () => {
    const { source, remove } = await sourceOf(bytes);
    const denied = { ...source, handle: { getFile: () => Promise.reject(new DOMException('no permission', 'NotAllowedError')) } as unknown as FileSystemFileHandle };
    const error = await rejection(sourceSnapshot(denied, 'a.bin'));
    assertEqual(error instanceof SourcePermissionError, true, `permission: ${error.name}: ${error.message}`);
    await remove();
  });
});
