/**
 * The seeding side of one data channel a remote peer opened: answers its handshake with our
 * bitfield and features (we accept batched REQUESTS), its metadata requests with parts of the
 * canonical metadata, and queues its chunk requests (one or a batch per frame) for the shared
 * Uploader. Partial shares are served too: HAVE announces new chunks.
 */
import {
  Bitfield,
  encodeBitfield,
  encodeFeatures,
  encodeHandshake,
  encodeMetadataPart,
  encodeReject,
  MAX_OVERFLOW_REJECTS,
  MAX_QUEUED_REQUESTS,
  METADATA_PART_BYTES,
  PROTOCOL_VERSION,
  RejectReason,
  type ShareMetadata,
  WireErrorCode,
  WireFeature,
  type WireMessage,
} from '../protocol/index.js';
import { SeederProof, type SeederProofParts } from './private-gate.js';
import type { UploadQueue, Uploader } from './uploader.js';
import type { WireChannel } from './wire-channel.js';

export interface SeedableShare {
  meta: ShareMetadata;
  encodedMetadata: Uint8Array;
  /** Live: a partial download's bitfield grows as chunks land. */
  bitfield: Bitfield;
  /** A private share: served only on a channel whose proof of its secret unlocked it (spec §11). */
  private?: boolean;
}

export interface SeederComponents {
  uploader: Uploader;
  findShare: (shareId: string) => SeedableShare | undefined;
  /** Called once the remote has named a share we hold. */
  onServing: (shareId: string, wire: WireChannel) => void;
  /** Private shares: their keys by opaque id, and this channel's fingerprints. */
  proof: SeederProofParts;
}

export function serveChannel(wire: WireChannel, remoteId: string, components: SeederComponents): void {
  let share: SeedableShare | undefined;
  let queue: UploadQueue | undefined;
  let overflowRejects = 0;

  /** Queues one requested chunk, or REJECTs it; false once the channel has been failed for flooding. */
  const queueRequest = (index: number): boolean => {
    if (!share!.bitfield.has(index)) {
      wire.send(encodeReject(index, RejectReason.NotAvailable));
    } else if (queue!.requests.length < MAX_QUEUED_REQUESTS) {
      queue!.requests.push(index);
    } else if (++overflowRejects <= MAX_OVERFLOW_REJECTS) {
      wire.send(encodeReject(index, RejectReason.TooManyRequests));
    } else {
      wire.fail(WireErrorCode.ProtocolViolation, `kept requesting past the ${MAX_QUEUED_REQUESTS}-request queue`);
      return false;
    }
    return true;
  };

  const proof = new SeederProof(wire, components.proof, (message: WireMessage) => {
    if (!share && message.type !== 'handshake' && message.type !== 'keep-alive') {
      return wire.fail(WireErrorCode.ProtocolViolation, 'handshake first');
    }
    switch (message.type) {
      case 'handshake': {
        if (share) return wire.fail(WireErrorCode.ProtocolViolation, 'second handshake');
        if (message.version !== PROTOCOL_VERSION) return wire.fail(WireErrorCode.UnsupportedVersion, `unsupported protocol version ${message.version}`);
        const found = components.findShare(message.shareId);
        // A private share is as unknown as one not held, to a channel that has not proven its secret.
        if (!found || (found.private && proof.unlocked !== message.shareId)) return wire.fail(WireErrorCode.UnknownShare, 'share not available here');
        share = found;
        queue = { wire, remoteId, shareId: message.shareId, size: found.meta.size, requests: [], blocked: false };
        components.uploader.add(queue);
        wire.send(encodeHandshake(message.shareId));
        wire.send(encodeBitfield(found.bitfield.bytes));
        wire.send(encodeFeatures(WireFeature.BatchedRequests));
        components.onServing(message.shareId, wire);
        return;
      }
      case 'metadata-request': {
        const total = Math.ceil(share!.encodedMetadata.byteLength / METADATA_PART_BYTES);
        if (message.part >= total) return wire.fail(WireErrorCode.ProtocolViolation, 'no such metadata part');
        const at = message.part * METADATA_PART_BYTES;
        wire.send(encodeMetadataPart(message.part, total, share!.encodedMetadata.subarray(at, at + METADATA_PART_BYTES)));
        return;
      }
      case 'request':
        if (queueRequest(message.index)) components.uploader.kick();
        return;
      case 'requests':
        for (const index of message.indices) if (!queueRequest(index)) return;
        return components.uploader.kick();
      case 'cancel': {
        const at = queue!.requests.indexOf(message.index);
        if (at >= 0) queue!.requests.splice(at, 1);
        return;
      }
      default:
        return; // have/bitfield from a leecher, keep-alive, errors: nothing to do for a seeder
    }
  });
  wire.onMessage((message) => proof.receive(message));
}
