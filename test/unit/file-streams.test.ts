/**
 * Reading a share while it downloads (protocol/stream-port.ts), both ends for real over Node's
 * MessageChannel: the service worker's side (sw/plane-stream.ts) against the data plane's readers
 * (plane/share-streams.ts), with a share whose chunks land when the test says so.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Bitfield, CHUNK_SIZE, STREAM_AHEAD_CHUNKS, STREAM_OPEN } from '../../protocol/index.js';
import { ShareStreams, type StreamHost } from '../../plane/share-streams.js';
import { findReader, readFromPlane, StreamFailedError, StreamStalledError } from '../../sw/plane-stream.js';

const SHARE = 'ab'.repeat(32);
const CHUNKS = 40;
const SIZE = CHUNKS * CHUNK_SIZE - 1000;
const bytes = new Uint8Array(SIZE).map((_, i) => (i * 7 + (i >> 16)) & 0xff);

/** A share with chunks `stored`; `land(i)` stores one and tells the readers. */
function setup(stored: number[] = [], idleMs?: number) {
  const bitfield = new Bitfield(CHUNKS);
  stored.forEach((i) => bitfield.set(i));
  const priorities = new Map<number, { from: number; to: number }>();
  const reads: { offset: number; length: number }[] = [];
  let present = true;
  const host: StreamHost = {
    share: (id) => (id === SHARE && present ? { size: SIZE, bitfield } : undefined),
    readBytes: async (_id, offset, length) => {
      reads.push({ offset, length });
      for (let i = Math.floor(offset / CHUNK_SIZE); i * CHUNK_SIZE < offset + length; i++) assert.ok(bitfield.has(i), `chunk ${i} read before it was stored`);
      return bytes.slice(offset, offset + length);
    },
    prioritize: (_id, key, from, to) => void priorities.set(key, { from, to }),
    deprioritize: (_id, key) => void priorities.delete(key),
  };
  const streams = new ShareStreams(host, idleMs);
  const land = (index: number) => {
    bitfield.set(index);
    streams.landed(SHARE, index);
  };
  /** A window whose plane answers STREAM_OPEN, as web/engine/file-streams.ts does. */
  const window = { postMessage: (message: { type: string; shareId: string }, [port]: MessagePort[]) => (assert.equal(message.type, STREAM_OPEN), streams.open(message.shareId, port!)) };
  return { streams, priorities, reads, land, window, bitfield, remove: () => (present = false) };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part);
  return Buffer.concat(parts);
}

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

test('a reader gets the stored bytes at once and waits for the rest, which it asks for first', async () => {
  const { streams, priorities, land, window } = setup([0, 1, 2]);
  const port = await findReader(SHARE, [window]);
  assert.ok(port, 'the window holding the share accepts');
  const stream = await readFromPlane(port, 1000, SIZE, 5_000);
  assert.deepEqual([...priorities.values()], [{ from: 0, to: STREAM_AHEAD_CHUNKS }]);
  const reading = readAll(stream);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual([...priorities.values()], [{ from: 3, to: 3 + STREAM_AHEAD_CHUNKS }], 'the priority follows the reader to the first missing chunk');
  for (let i = CHUNKS - 1; i >= 3; i--) land(i); // out of order, as a swarm delivers them
  const read = await reading;
  assert.equal(sha(read), sha(bytes.subarray(1000)));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(streams.size, 0, 'the reader is gone once everything was read');
  assert.equal(priorities.size, 0, 'and its priority with it');
});

test('a range ending mid-file reads exactly that range', async () => {
  const { window } = setup([...Array(CHUNKS).keys()]);
  const port = (await findReader(SHARE, [window]))!;
  const read = await readAll(await readFromPlane(port, CHUNK_SIZE * 3 + 5, CHUNK_SIZE * 30 + 17));
  assert.equal(sha(read), sha(bytes.subarray(CHUNK_SIZE * 3 + 5, CHUNK_SIZE * 30 + 17)));
});

test('bytes that do not come in time: StreamStalledError, and the plane drops the reader and its priority', async () => {
  const { streams, priorities, window } = setup([]);
  const port = (await findReader(SHARE, [window]))!;
  await assert.rejects(readFromPlane(port, 0, SIZE, 50), StreamStalledError);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(streams.size, 0);
  assert.equal(priorities.size, 0);
});

test('a consumer that goes away mid-stream cancels the reader and drops its priority', async () => {
  const { streams, priorities, window } = setup([0]);
  const port = (await findReader(SHARE, [window]))!;
  const stream = await readFromPlane(port, 0, SIZE, 5_000);
  const reader = stream.getReader();
  await reader.read();
  const pending = reader.read(); // waits for chunk 1
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(priorities.size, 1);
  await reader.cancel();
  await pending.catch(() => undefined);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(streams.size, 0);
  assert.equal(priorities.size, 0);
});

test('a download that fails mid-stream errors the stream with its reason', async () => {
  const { streams, window } = setup([0]);
  const port = (await findReader(SHARE, [window]))!;
  const stream = await readFromPlane(port, 0, SIZE, 5_000);
  const reader = stream.getReader();
  await reader.read();
  const pending = reader.read();
  await new Promise((r) => setTimeout(r, 10));
  streams.ended(SHARE, 'the download failed: the finished file\'s SHA-256 is wrong');
  await assert.rejects(pending, (error: Error) => error instanceof StreamFailedError && /SHA-256 is wrong/.test(error.message));
});

test('a download that completes while read lets the reader read on', async () => {
  const { streams, bitfield, window } = setup([0]);
  const port = (await findReader(SHARE, [window]))!;
  const reading = readAll(await readFromPlane(port, 0, SIZE, 5_000));
  await new Promise((r) => setTimeout(r, 10));
  for (let i = 1; i < CHUNKS; i++) bitfield.set(i); // stored without a word each (e.g. resumed elsewhere)
  streams.ended(SHARE);
  assert.equal(sha(await reading), sha(bytes));
});

test('windows without the share refuse; none accepting means no reader', async () => {
  const { streams, window } = setup([0]);
  const elsewhere = setup([0]);
  const other = { postMessage: (_message: unknown, [port]: MessagePort[]) => elsewhere.streams.open('cd'.repeat(32), port!) };
  assert.equal(await findReader(SHARE, [other, other], 1_000), undefined);
  assert.equal(await findReader(SHARE, [], 1_000), undefined);
  const silent = { postMessage: () => undefined };
  const started = Date.now();
  assert.equal(await findReader(SHARE, [silent], 50), undefined);
  assert.ok(Date.now() - started < 1_000);
  assert.ok(await findReader(SHARE, [other, window, silent], 1_000), 'one window holding it is enough');
  streams.closeAll(); // the accepted reader would otherwise wait out its idle time
});

test('hostile requests on the port: a clear error and the reader closes; the plane goes on', async () => {
  const cases: [string, unknown[]][] = [
    ['malformed stream request', [{ type: 'read', start: -1, end: 5 }]],
    ['malformed stream request', [{ type: 'read', start: 10, end: 5 }]],
    ['malformed stream request', [{ type: 'nonsense' }]],
    ['malformed stream request', [null]],
    ['beyond the share', [{ type: 'read', start: 0, end: SIZE + 1 }]],
    ['a second read', [{ type: 'read', start: 0, end: 10 }, { type: 'read', start: 0, end: 10 }]],
    ['nothing left to read', [{ type: 'pull' }]],
    ['a second pull', [{ type: 'read', start: 0, end: SIZE }, { type: 'pull' }, { type: 'pull' }]],
  ];
  for (const [expected, messages] of cases) {
    const { streams, priorities } = setup([]);
    const { port1, port2 } = new MessageChannel();
    const replies: { type: string; message?: string }[] = [];
    port1.onmessage = (event) => replies.push(event.data);
    streams.open(SHARE, port2);
    for (const message of messages) port1.postMessage(message);
    // Until the error comes back (a fixed 20 ms was too short on a loaded machine), at most 2 s.
    for (let waited = 0; waited < 2000 && !replies.some((r) => r.type === 'error'); waited += 10) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 10));
    port1.close();
    assert.equal(replies[0]?.type, 'accept');
    const error = replies.find((r) => r.type === 'error');
    assert.ok(error?.message?.includes(expected), `${JSON.stringify(messages)} → ${JSON.stringify(replies)}`);
    assert.equal(streams.size, 0);
    assert.equal(priorities.size, 0);
  }
});

test('a reader that goes quiet is dropped after the idle time', async () => {
  const { streams, priorities } = setup([], 30);
  const { port1, port2 } = new MessageChannel();
  streams.open(SHARE, port2);
  port1.postMessage({ type: 'read', start: 0, end: 100 });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(priorities.size, 1);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(streams.size, 0);
  assert.equal(priorities.size, 0);
  port1.close();
});

test('a share removed while read: the reader is told', async () => {
  const { streams, window, remove } = setup([0]);
  const port = (await findReader(SHARE, [window]))!;
  const reader = (await readFromPlane(port, 0, SIZE, 5_000)).getReader();
  await reader.read();
  const pending = reader.read();
  await new Promise((r) => setTimeout(r, 10));
  remove();
  streams.ended(SHARE, 'the share was removed');
  await assert.rejects(pending, /the share was removed/);
});
