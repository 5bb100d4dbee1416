/**
 * Spec §5.2 on the seeder side (plane/seed-channel.ts), frame by frame: the downloader's HANDSHAKE comes
 * first and once; the answer is our HANDSHAKE and exactly one BITFIELD, or ERROR 2 / ERROR 5.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bitfield, CHUNK_SIZE, decodeFrame, encodeHandshake, encodeRequest, type ShareMetadata, type WireMessage } from '../../protocol/index.js';
import { serveChannel, type SeedableShare } from '../../plane/seed-channel.js';
import type { Uploader } from '../../plane/uploader.js';
import { WireChannel } from '../../plane/wire-channel.js';

const SHARE_ID = 'ab'.repeat(32);
const meta: ShareMetadata = { version: 1, name: 'x.bin', type: '', size: 9 * CHUNK_SIZE, chunkSize: CHUNK_SIZE, fileHash: 'cd'.repeat(32), chunkHashes: Array.from({ length: 9 }, () => 'ef'.repeat(32)) };

/** A data channel that records what the seeder sends; `deliver` plays a frame from the downloader. */
class RecordingChannel extends EventTarget {
  readyState: RTCDataChannelState = 'open';
  binaryType = 'arraybuffer';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  onmessage: ((event: MessageEvent) => void) | null = null;
  readonly sent: WireMessage[] = [];
  send(frame: Uint8Array): void {
    this.sent.push(decodeFrame(frame.slice().buffer)!);
  }
  close(): void {
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }
  deliver(frame: Uint8Array): void {
    this.onmessage?.({ data: frame.slice().buffer } as MessageEvent);
  }
}

function seederFor(share: SeedableShare | undefined): RecordingChannel {
  const channel = new RecordingChannel();
  const uploader = { add: () => undefined, kick: () => undefined } as unknown as Uploader;
  serveChannel(new WireChannel(channel as unknown as RTCDataChannel), 'remote', { uploader, findShare: (id) => (id === SHARE_ID ? share : undefined), onServing: () => undefined });
  return channel;
}

const held = (bitfield: Bitfield): SeedableShare => ({ meta, encodedMetadata: new Uint8Array(10), bitfield });
const errorCodeOf = (channel: RecordingChannel) => (channel.sent.find((m) => m.type === 'error') as { code: number } | undefined)?.code;

test('the answer to a HANDSHAKE is our HANDSHAKE and exactly one BITFIELD, all zeros when we hold nothing yet', () => {
  for (const bitfield of [Bitfield.full(9), new Bitfield(9)]) {
    const channel = seederFor(held(bitfield));
    channel.deliver(encodeHandshake(SHARE_ID));
    assert.deepEqual(channel.sent.map((m) => m.type), ['handshake', 'bitfield']);
    assert.deepEqual([...(channel.sent[1] as { bits: Uint8Array }).bits], [...bitfield.bytes]);
    assert.equal(channel.readyState, 'open');
  }
});

test('anything but KEEP-ALIVE before the HANDSHAKE, or a second HANDSHAKE, is ERROR 3 and the channel closes', () => {
  const early = seederFor(held(Bitfield.full(9)));
  early.deliver(new Uint8Array([0])); // KEEP-ALIVE: fine
  assert.equal(early.readyState, 'open');
  early.deliver(encodeRequest(0));
  assert.equal(errorCodeOf(early), 3);
  assert.equal(early.readyState, 'closed');
  const twice = seederFor(held(Bitfield.full(9)));
  twice.deliver(encodeHandshake(SHARE_ID));
  twice.deliver(encodeHandshake(SHARE_ID));
  assert.equal(errorCodeOf(twice), 3);
  assert.equal(twice.readyState, 'closed');
});

test('an unknown share gets ERROR 2, another protocol version ERROR 5', () => {
  const unknown = seederFor(undefined);
  unknown.deliver(encodeHandshake(SHARE_ID));
  assert.equal(errorCodeOf(unknown), 2);
  assert.equal(unknown.readyState, 'closed');
  const future = seederFor(held(Bitfield.full(9)));
  const frame = encodeHandshake(SHARE_ID);
  frame[1] = 2;
  future.deliver(frame);
  assert.equal(errorCodeOf(future), 5);
  assert.equal(future.readyState, 'closed');
});
