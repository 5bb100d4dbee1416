/**
 * The downloading side of one data channel (spec §5.2), mirroring seed-channel.ts: sends our
 * HANDSHAKE, checks the seeder's frames come in order (its HANDSHAKE first and once, for this share;
 * one BITFIELD), keeps the per-source state the frames carry (bits, HAVEs, FEATURES), and hands the
 * download what it decides on: a bitfield to read, new chunks, metadata parts, pieces, rejects.
 */
import { encodeHandshake, encodeRequest, encodeRequests, MAX_BATCHED_REQUESTS, PROTOCOL_VERSION, WireErrorCode, WireFeature, type WireMessage } from '../protocol/index.js';
import type { Source } from './download-source.js';

export type SourceEndReason = 'closed' | 'unreachable' | 'stalled' | 'bad-data' | 'protocol';

/** What the download does with a source's frames. */
export interface LeechHandlers {
  /** The seeder's BITFIELD came (in `source.rawBits`). */
  bitfield(source: Source): void;
  /** The seeder has chunk `index` now (`source.has` already says so); true when it is news. */
  have(source: Source, index: number, news: boolean): void;
  metadataPart(source: Source, part: number, total: number, data: Uint8Array): void;
  piece(source: Source, index: number, data: Uint8Array): void;
  /** The seeder refused a request. */
  reject(source: Source, index: number, reason: number): void;
  /** The source broke the protocol: tell it why and let it go. */
  drop(source: Source, reason: SourceEndReason, detail: string, code?: number): void;
}

/** Speaks to one seeder for `shareId` over `source.wire`: handshake sent, frames routed to `handlers`. */
export function leechChannel(source: Source, shareId: string, handlers: LeechHandlers): void {
  source.wire.onMessage((message: WireMessage) => {
    // The seeder's HANDSHAKE comes first (an ERROR instead of it says why it will not serve us).
    if (!source.handshaken && message.type !== 'handshake' && message.type !== 'keep-alive' && message.type !== 'error') {
      return handlers.drop(source, 'protocol', `${message.type} before the handshake`);
    }
    switch (message.type) {
      case 'handshake':
        if (source.handshaken) return handlers.drop(source, 'protocol', 'second handshake');
        if (message.version !== PROTOCOL_VERSION) return handlers.drop(source, 'protocol', `unsupported protocol version ${message.version}`, WireErrorCode.UnsupportedVersion);
        if (message.shareId !== shareId) return handlers.drop(source, 'protocol', 'handshake for another share');
        source.handshaken = true;
        return;
      case 'bitfield':
        if (source.rawBits) return handlers.drop(source, 'protocol', 'second bitfield');
        source.rawBits = new Uint8Array(message.bits);
        return handlers.bitfield(source);
      case 'have':
        if (!source.has || message.index >= source.has.length) return;
        return handlers.have(source, message.index, source.has.set(message.index));
      case 'features':
        source.batched = (message.flags & WireFeature.BatchedRequests) !== 0;
        return;
      case 'metadata-part':
        return handlers.metadataPart(source, message.part, message.total, message.data);
      case 'piece':
        return handlers.piece(source, message.index, message.data);
      case 'reject':
        return handlers.reject(source, message.index, message.reason);
      case 'error':
        console.warn(`shoal: peer ${source.remoteId} ended the share: ${message.reason}`);
        return;
      default:
        return;
    }
  });
  source.wire.send(encodeHandshake(shareId));
}

/** One REQUESTS frame per MAX_BATCHED_REQUESTS chunks where the seeder takes them, else a REQUEST each. */
export function sendRequests(source: Source, indices: number[]): void {
  if (!source.batched || indices.length === 1) return void indices.forEach((index) => source.wire.send(encodeRequest(index)));
  for (let at = 0; at < indices.length; at += MAX_BATCHED_REQUESTS) source.wire.send(encodeRequests(indices.slice(at, at + MAX_BATCHED_REQUESTS)));
}
