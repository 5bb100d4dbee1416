/**
 * Serves one share to one remote peer on a data channel the remote opened: answers the handshake
 * with our bitfield, metadata requests with parts of the canonical metadata, and chunk requests in
 * order, reading each chunk straight into its frame and sending only while the channel drains.
 */
import {
  Bitfield,
  chunkRange,
  encodeBitfield,
  encodeHandshake,
  encodeMetadataPart,
  encodeReject,
  METADATA_PART_BYTES,
  PIECE_HEADER_BYTES,
  RejectReason,
  writePieceHeader,
  type ShareMetadata,
  type WireMessage,
} from '../../protocol/index.js';
import { MAX_QUEUED_REQUESTS } from './constants.js';
import { ChannelClosedError, WireErrorCode, type WireChannel } from './wire-channel.js';
import type { StorageApi } from './workers.js';

export interface SeedableShare {
  meta: ShareMetadata;
  encodedMetadata: Uint8Array;
  bitfield: Bitfield;
}

export interface SeederComponents {
  storage: StorageApi;
  findShare: (shareId: string) => SeedableShare | undefined;
  onUploaded: (remoteId: string, shareId: string, bytes: number) => void;
}

export function serveChannel(wire: WireChannel, remoteId: string, components: SeederComponents): void {
  let share: SeedableShare | undefined;
  let shareId = '';
  const queue: number[] = [];
  let pumping = false;

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0 && wire.isOpen && share) {
        const index = queue.shift()!;
        const { start, end } = chunkRange(index, share.meta.size);
        const frame = writePieceHeader(await components.storage.readChunk(shareId, start, end - start, PIECE_HEADER_BYTES), index);
        if (!wire.isOpen) break;
        const mayContinue = wire.send(frame);
        components.onUploaded(remoteId, shareId, end - start);
        if (!mayContinue) await wire.drain();
      }
    } catch (error) {
      if (!(error instanceof ChannelClosedError)) {
        console.warn('shoal: serving a chunk failed', error);
        wire.fail(WireErrorCode.ProtocolViolation, 'could not read that share');
      }
    } finally {
      pumping = false;
    }
  }

  wire.onMessage((message: WireMessage) => {
    if (!share && message.type !== 'handshake' && message.type !== 'keep-alive') {
      return wire.fail(WireErrorCode.ProtocolViolation, 'handshake first');
    }
    switch (message.type) {
      case 'handshake': {
        if (share) return wire.fail(WireErrorCode.ProtocolViolation, 'second handshake');
        const found = components.findShare(message.shareId);
        if (!found) return wire.fail(WireErrorCode.UnknownShare, 'share not available here');
        share = found;
        shareId = message.shareId;
        wire.send(encodeHandshake(shareId));
        wire.send(encodeBitfield(share.bitfield.bytes));
        return;
      }
      case 'metadata-request': {
        const total = Math.ceil(share!.encodedMetadata.byteLength / METADATA_PART_BYTES);
        if (message.part >= total) return wire.fail(WireErrorCode.ProtocolViolation, 'no such metadata part');
        const at = message.part * METADATA_PART_BYTES;
        wire.send(encodeMetadataPart(message.part, total, share!.encodedMetadata.subarray(at, at + METADATA_PART_BYTES)));
        return;
      }
      case 'request': {
        if (!share!.bitfield.has(message.index)) {
          wire.send(encodeReject(message.index, RejectReason.NotAvailable));
          return;
        }
        if (queue.length >= MAX_QUEUED_REQUESTS) {
          wire.send(encodeReject(message.index, RejectReason.TooManyRequests));
          return;
        }
        queue.push(message.index);
        void pump();
        return;
      }
      case 'cancel': {
        const at = queue.indexOf(message.index);
        if (at >= 0) queue.splice(at, 1);
        return;
      }
      default:
        return; // have/bitfield from a leecher, keep-alive, errors: nothing to do for a seeder
    }
  });
}
