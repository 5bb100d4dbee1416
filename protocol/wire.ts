/**
 * The peer wire format: binary frames on an RTCDataChannel (one channel per remote peer and share,
 * label "shoal/1"). The channel keeps message boundaries, so a frame is one message:
 * `<type u8><payload>`, integers big-endian. Byte layouts are repeated on each encoder below and
 * drawn in protocol/README.md. A receiver skips frames of unknown type (decodeFrame returns null).
 */
import { MAX_WIRE_FRAME_BYTES, PROTOCOL_VERSION } from './constants.js';
import { fromHex, toHex } from './hex.js';

export const WireType = {
  KeepAlive: 0x00,
  Handshake: 0x01,
  Bitfield: 0x02,
  Have: 0x03,
  Request: 0x04,
  Piece: 0x05,
  Reject: 0x06,
  Cancel: 0x07,
  MetadataRequest: 0x08,
  MetadataPart: 0x09,
  Error: 0x0a,
  Features: 0x0b,
  Requests: 0x0c,
  AuthHello: 0x0d,
  AuthProof: 0x0e,
  AuthConfirm: 0x0f,
} as const;

/** FEATURES bits (spec §5.2, FEATURES). */
export const WireFeature = {
  /** The seeder accepts REQUESTS frames. */
  BatchedRequests: 0x01,
} as const;

/** Indices one REQUESTS frame carries at most. */
export const MAX_BATCHED_REQUESTS = 16;

/** Why a REJECT refused a request. */
/** Error codes carried by an ERROR frame before a channel closes (spec §5, ERROR). */
export const WireErrorCode = {
  BadFrame: 1,
  UnknownShare: 2,
  ProtocolViolation: 3,
  Banned: 4,
  UnsupportedVersion: 5,
  /** A private share's proof failed: the other end lacks the secret, or the connection is intercepted. */
  NotAuthenticated: 6,
} as const;

export const RejectReason = {
  NotAvailable: 1,
  TooManyRequests: 2,
  ShuttingDown: 3,
  /** The seeder sent this chunk to another peer moments ago: get it from the crowd (or ask again later). */
  SentElsewhere: 4,
} as const;

export type WireMessage =
  | { type: 'keep-alive' }
  | { type: 'handshake'; version: number; shareId: string }
  | { type: 'bitfield'; bits: Uint8Array }
  | { type: 'have'; index: number }
  | { type: 'request'; index: number }
  | { type: 'piece'; index: number; data: Uint8Array }
  | { type: 'reject'; index: number; reason: number }
  | { type: 'cancel'; index: number }
  | { type: 'metadata-request'; part: number }
  | { type: 'metadata-part'; part: number; total: number; data: Uint8Array }
  | { type: 'error'; code: number; reason: string }
  | { type: 'features'; flags: number }
  | { type: 'requests'; indices: number[] }
  | { type: 'auth-hello'; privateId: string; nonce: Uint8Array }
  | { type: 'auth-proof'; nonce: Uint8Array; mac: Uint8Array }
  | { type: 'auth-confirm'; mac: Uint8Array };

export class WireFrameError extends Error {
  override name = 'WireFrameError';
}

const MAX_ERROR_REASON_BYTES = 256;

function frame(type: number, payloadLength: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(1 + payloadLength);
  bytes[0] = type;
  return { bytes, view: new DataView(bytes.buffer) };
}

function indexFrame(type: number, index: number): Uint8Array {
  const { bytes, view } = frame(type, 4);
  view.setUint32(1, index);
  return bytes;
}

/** `<0x00>` */
export function encodeKeepAlive(): Uint8Array {
  return frame(WireType.KeepAlive, 0).bytes;
}

/** `<0x01><version u8><shareId 32 bytes>` */
export function encodeHandshake(shareId: string): Uint8Array {
  const { bytes } = frame(WireType.Handshake, 33);
  bytes[1] = PROTOCOL_VERSION;
  bytes.set(fromHex(shareId), 2);
  return bytes;
}

/** `<0x02><bits…>` bit i (most significant first) set = chunk i held; length ceil(chunks/8). */
export function encodeBitfield(bits: Uint8Array): Uint8Array {
  const { bytes } = frame(WireType.Bitfield, bits.byteLength);
  bytes.set(bits, 1);
  return bytes;
}

/** `<0x03><index u32>` */
export const encodeHave = (index: number): Uint8Array => indexFrame(WireType.Have, index);
/** `<0x04><index u32>` */
export const encodeRequest = (index: number): Uint8Array => indexFrame(WireType.Request, index);
/** `<0x07><index u32>` */
export const encodeCancel = (index: number): Uint8Array => indexFrame(WireType.Cancel, index);
/** `<0x08><part u32>` */
export const encodeMetadataRequest = (part: number): Uint8Array => indexFrame(WireType.MetadataRequest, part);

/** `<0x0b><flags u8>` what the sender understands beyond version 1's base (WireFeature bits). */
export function encodeFeatures(flags: number): Uint8Array {
  const { bytes } = frame(WireType.Features, 1);
  bytes[1] = flags;
  return bytes;
}

/** `<0x0c><index u32>…` 1 to MAX_BATCHED_REQUESTS requests in one frame, for a seeder that accepts them. */
export function encodeRequests(indices: readonly number[]): Uint8Array {
  if (indices.length < 1 || indices.length > MAX_BATCHED_REQUESTS) throw new RangeError(`a REQUESTS frame carries 1 to ${MAX_BATCHED_REQUESTS} indices, not ${indices.length}`);
  const { bytes, view } = frame(WireType.Requests, 4 * indices.length);
  indices.forEach((index, i) => view.setUint32(1 + 4 * i, index));
  return bytes;
}

/** `<0x0d><opaque id 32 bytes><nonce 32 bytes>` the downloader of a private share, first (spec §11.3). */
export function encodeAuthHello(privateId: string, nonce: Uint8Array): Uint8Array {
  const { bytes } = frame(WireType.AuthHello, 64);
  bytes.set(fromHex(privateId), 1);
  bytes.set(nonce, 33);
  return bytes;
}

/** `<0x0e><nonce 32 bytes><mac 32 bytes>` the seeder's nonce and proof. */
export function encodeAuthProof(nonce: Uint8Array, mac: Uint8Array): Uint8Array {
  const { bytes } = frame(WireType.AuthProof, 64);
  bytes.set(nonce, 1);
  bytes.set(mac, 33);
  return bytes;
}

/** `<0x0f><mac 32 bytes>` the downloader's proof. */
export function encodeAuthConfirm(mac: Uint8Array): Uint8Array {
  const { bytes } = frame(WireType.AuthConfirm, 32);
  bytes.set(mac, 1);
  return bytes;
}

/** `<0x05><index u32><data…>` data is the whole chunk. */
export function encodePiece(index: number, data: Uint8Array): Uint8Array {
  const { bytes, view } = frame(WireType.Piece, 4 + data.byteLength);
  view.setUint32(1, index);
  bytes.set(data, 5);
  return bytes;
}

/** Bytes before a PIECE frame's data: type and index. */
export const PIECE_HEADER_BYTES = 5;

/**
 * Writes the PIECE header into the first PIECE_HEADER_BYTES of `frame`, whose rest already holds the
 * chunk: lets a sender read a chunk straight into its frame.
 */
export function writePieceHeader(frame: Uint8Array, index: number): Uint8Array {
  frame[0] = WireType.Piece;
  new DataView(frame.buffer, frame.byteOffset, PIECE_HEADER_BYTES).setUint32(1, index);
  return frame;
}

/** `<0x06><index u32><reason u8>` */
export function encodeReject(index: number, reason: number): Uint8Array {
  const { bytes, view } = frame(WireType.Reject, 5);
  view.setUint32(1, index);
  bytes[5] = reason;
  return bytes;
}

/** `<0x09><part u32><total u32><data…>` one part of the canonical metadata encoding. */
export function encodeMetadataPart(part: number, total: number, data: Uint8Array): Uint8Array {
  const { bytes, view } = frame(WireType.MetadataPart, 8 + data.byteLength);
  view.setUint32(1, part);
  view.setUint32(5, total);
  bytes.set(data, 9);
  return bytes;
}

/** `<0x0a><code u8><reason utf-8, ≤256 bytes>` sent before closing the channel. */
export function encodeError(code: number, reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason).slice(0, MAX_ERROR_REASON_BYTES);
  const { bytes } = frame(WireType.Error, 1 + text.byteLength);
  bytes[1] = code;
  bytes.set(text, 2);
  return bytes;
}

function expectLength(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.byteLength !== length) throw new WireFrameError(`${what} frame must be ${length} bytes, got ${bytes.byteLength}`);
}

/**
 * Decodes one frame from an untrusted peer. Throws WireFrameError for an oversized, truncated or
 * malformed frame; returns null for an unknown type (to be skipped). Payload views share `buffer`.
 */
export function decodeFrame(buffer: ArrayBuffer): WireMessage | null {
  if (buffer.byteLength === 0) throw new WireFrameError('empty frame');
  if (buffer.byteLength > MAX_WIRE_FRAME_BYTES) throw new WireFrameError(`frame of ${buffer.byteLength} bytes exceeds ${MAX_WIRE_FRAME_BYTES}`);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  switch (bytes[0]) {
    case WireType.KeepAlive:
      expectLength(bytes, 1, 'keep-alive');
      return { type: 'keep-alive' };
    case WireType.Handshake:
      expectLength(bytes, 34, 'handshake');
      return { type: 'handshake', version: bytes[1]!, shareId: toHex(bytes.subarray(2)) };
    case WireType.Bitfield:
      return { type: 'bitfield', bits: bytes.subarray(1) };
    case WireType.Have:
    case WireType.Request:
    case WireType.Cancel:
    case WireType.MetadataRequest: {
      expectLength(bytes, 5, 'index');
      const index = view.getUint32(1);
      if (bytes[0] === WireType.Have) return { type: 'have', index };
      if (bytes[0] === WireType.Request) return { type: 'request', index };
      if (bytes[0] === WireType.Cancel) return { type: 'cancel', index };
      return { type: 'metadata-request', part: index };
    }
    case WireType.Piece:
      if (bytes.byteLength < 5) throw new WireFrameError('piece frame is truncated');
      return { type: 'piece', index: view.getUint32(1), data: bytes.subarray(5) };
    case WireType.Reject:
      expectLength(bytes, 6, 'reject');
      return { type: 'reject', index: view.getUint32(1), reason: bytes[5]! };
    case WireType.MetadataPart:
      if (bytes.byteLength < 9) throw new WireFrameError('metadata-part frame is truncated');
      return { type: 'metadata-part', part: view.getUint32(1), total: view.getUint32(5), data: bytes.subarray(9) };
    case WireType.Error:
      if (bytes.byteLength < 2 || bytes.byteLength > 2 + MAX_ERROR_REASON_BYTES) throw new WireFrameError('error frame has a bad length');
      return { type: 'error', code: bytes[1]!, reason: new TextDecoder().decode(bytes.subarray(2)) };
    case WireType.Features:
      // Later versions may append bytes: only the first is read.
      if (bytes.byteLength < 2) throw new WireFrameError('features frame is truncated');
      return { type: 'features', flags: bytes[1]! };
    case WireType.Requests: {
      const count = (bytes.byteLength - 1) / 4;
      if (!Number.isInteger(count) || count < 1 || count > MAX_BATCHED_REQUESTS) throw new WireFrameError(`requests frame must carry 1 to ${MAX_BATCHED_REQUESTS} indices of 4 bytes, got ${bytes.byteLength} bytes`);
      return { type: 'requests', indices: Array.from({ length: count }, (_, i) => view.getUint32(1 + 4 * i)) };
    }
    case WireType.AuthHello:
      expectLength(bytes, 65, 'auth-hello');
      return { type: 'auth-hello', privateId: toHex(bytes.subarray(1, 33)), nonce: bytes.slice(33) };
    case WireType.AuthProof:
      expectLength(bytes, 65, 'auth-proof');
      return { type: 'auth-proof', nonce: bytes.slice(1, 33), mac: bytes.slice(33) };
    case WireType.AuthConfirm:
      expectLength(bytes, 33, 'auth-confirm');
      return { type: 'auth-confirm', mac: bytes.slice(1) };
    default:
      return null;
  }
}
