/**
 * The send buffer's high-water mark follows the channel's drain rate (plane/wire-channel.ts): a
 * fast channel may queue up to 1 MiB, a slow one a chunk, so what waits in it is never seconds old.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHUNK_SIZE, PIECE_HEADER_BYTES, writePieceHeader } from '../../protocol/index.js';
import { CHANNEL_HIGH_WATER, CHANNEL_HIGH_WATER_MIN } from '../../plane/constants.js';
import { WireChannel } from '../../plane/wire-channel.js';
import { RecordingChannel } from './fake-channel.js';

/** A channel whose buffer only empties when the test says, firing `bufferedamountlow` as a browser does. */
class SlowChannel extends RecordingChannel {
  override send(frame: Uint8Array): void {
    super.send(frame);
    this.bufferedAmount += frame.byteLength;
  }

  /** Takes the buffer down to its low-water threshold after `ms`. */
  async drainAfter(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.bufferedAmount = this.bufferedAmountLowThreshold;
    this.dispatchEvent(new Event('bufferedamountlow'));
  }
}

/** Sends 64 KiB pieces until send() says stop; returns how many bytes went in. */
function fill(wire: WireChannel): number {
  const frame = writePieceHeader(new Uint8Array(PIECE_HEADER_BYTES + CHUNK_SIZE), 0);
  let bytes = 0;
  do bytes += frame.byteLength;
  while (wire.send(frame));
  return bytes;
}

test('a new channel queues one chunk; one that drains fast may queue up to 1 MiB; one that drains slowly goes back to one chunk', async () => {
  const channel = new SlowChannel();
  const wire = new WireChannel(channel as unknown as RTCDataChannel);
  assert.equal(wire.room, CHANNEL_HIGH_WATER_MIN);
  assert.equal(fill(wire), PIECE_HEADER_BYTES + CHUNK_SIZE);
  assert.equal(wire.room, 0);

  // Drained at once, several times: the mark climbs towards the cap, never past it.
  for (let i = 0; i < 6; i++) {
    const drained = wire.drain();
    await channel.drainAfter(0);
    await drained;
    fill(wire);
  }
  const fast = channel.bufferedAmount;
  assert.ok(fast > 0.9 * CHANNEL_HIGH_WATER && fast <= CHANNEL_HIGH_WATER + 2 * CHUNK_SIZE, `a fast channel queued ${fast} bytes`);

  // Now ~1 MiB takes a second each time (1 MB/s: 300 ms of it is ~300 KB); then 100 KiB takes a second.
  for (let i = 0; i < 4; i++) {
    const drained = wire.drain();
    await channel.drainAfter(1000 * ((channel.bufferedAmount - channel.bufferedAmountLowThreshold) / 1e6));
    await drained;
    fill(wire);
  }
  const medium = channel.bufferedAmount;
  assert.ok(medium > 200_000 && medium < 500_000, `at 1 MB/s the channel queued ${medium} bytes`);
  for (let i = 0; i < 4; i++) {
    const drained = wire.drain();
    await channel.drainAfter(1000 * ((channel.bufferedAmount - channel.bufferedAmountLowThreshold) / 100_000));
    await drained;
    fill(wire);
  }
  assert.ok(channel.bufferedAmount <= CHANNEL_HIGH_WATER_MIN + 2 * CHUNK_SIZE, `at 100 kB/s the channel queued ${channel.bufferedAmount} bytes`);
});

test('drain() resolves at once below the low-water mark, and rejects when the channel closes while waiting', async () => {
  const channel = new SlowChannel();
  const wire = new WireChannel(channel as unknown as RTCDataChannel);
  await wire.drain();
  fill(wire);
  const waiting = wire.drain();
  channel.close();
  await assert.rejects(waiting, { name: 'ChannelClosedError' });
});
