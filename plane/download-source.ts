/** What a download knows of one peer it pulls from, over one data channel. */
import type { Bitfield } from '../protocol/index.js';
import { SPEED_WINDOW_MS } from './constants.js';
import { SpeedMeter } from './speed-meter.js';
import type { WireChannel } from './wire-channel.js';

export interface Source {
  remoteId: string;
  wire: WireChannel;
  has: Bitfield | undefined;
  /** It was missing chunks when its bitfield came (a leecher passing on what it has, not a seeder). */
  partial: boolean;
  rawBits: Uint8Array | undefined;
  /** Whether the seeder's HANDSHAKE came (spec §5.2: it comes first, once). */
  handshaken: boolean;
  /** The seeder's FEATURES said it accepts batched REQUESTS. */
  batched: boolean;
  /** Requested chunk -> when. */
  inFlight: Map<number, number>;
  /** Requests we cancelled (endgame losers): a PIECE for them may still come and is not an offence. */
  cancelled: Set<number>;
  /** Chunks this peer REJECTed as sent elsewhere, and until when not to ask it again (spec, REJECT 4). */
  deferred: Map<number, number>;
  meter: SpeedMeter;
  /** When it was added (its meter has measured a whole window SPEED_WINDOW_MS later). */
  addedAt: number;
  lastPieceAt: number;
  badChunks: number;
}

export function newSource(wire: WireChannel, remoteId: string, now: number): Source {
  return { remoteId, wire, has: undefined, partial: false, rawBits: undefined, handshaken: false, batched: false, inFlight: new Map(), cancelled: new Set(), deferred: new Map(), meter: new SpeedMeter(SPEED_WINDOW_MS), addedAt: now, lastPieceAt: now, badChunks: 0 };
}
