/**
 * Signaling messages between a browser and the Shoal server: JSON text frames, each an object with a
 * `type`. Both ends validate every message they receive with the parsers here; the spec is
 * protocol/README.md. The server stamps `from` on whatever it relays: a client never names itself.
 */
import {
  MAX_ANNOUNCED_SHARES,
  MAX_FILE_SIZE,
  MAX_NAME_LENGTH,
  MAX_PEER_ID_LENGTH,
  MAX_ROOM_LENGTH,
  MAX_SDP_LENGTH,
  MAX_SIGNALING_MESSAGE_BYTES,
} from './constants.js';
import { isSha256Hex } from './hex.js';

/** What a room knows about a share: enough to list it before the metadata is fetched. */
export interface ShareSummary {
  id: string;
  name: string;
  size: number;
}

export interface PeerInfo {
  peerId: string;
  name: string;
}

export interface IceCandidateInit {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
  usernameFragment?: string | null;
}

// Client -> server
export type ClientMessage =
  | { type: 'join-room'; room?: string; name?: string; resume?: string }
  | { type: 'offer'; to: string; sdp: string }
  | { type: 'answer'; to: string; sdp: string }
  | { type: 'ice-candidate'; to: string; candidate: IceCandidateInit | null }
  | { type: 'announce-file'; shares: ShareSummary[] }
  | { type: 'request-file'; id: string }
  | { type: 'ping' };

// Server -> client
export type ServerMessage =
  | { type: 'welcome'; peerId: string; room: string; name: string; peers: PeerInfo[]; resumeToken: string; resumed: boolean }
  | { type: 'peer-joined'; peerId: string; name: string }
  | { type: 'peer-left'; peerId: string }
  | { type: 'offer'; from: string; sdp: string }
  | { type: 'answer'; from: string; sdp: string }
  | { type: 'ice-candidate'; from: string; candidate: IceCandidateInit | null }
  | { type: 'announce-file'; from: string; shares: ShareSummary[] }
  | { type: 'files'; holders: { peerId: string; shares: ShareSummary[] }[] }
  | { type: 'error'; code: SignalingErrorCode; message: string }
  | { type: 'pong' };

export type SignalingErrorCode =
  | 'bad-message'
  | 'too-large'
  | 'unknown-type'
  | 'not-in-room'
  | 'unknown-peer'
  | 'rate-limited'
  | 'room-full'
  | 'limit'
  | 'origin-not-allowed';

/** A message that breaks the schema; `code` is what the server answers with. */
export class SignalingMessageError extends Error {
  override name = 'SignalingMessageError';
  constructor(
    readonly code: SignalingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Fields = Record<string, unknown>;

function fail(message: string, code: SignalingErrorCode = 'bad-message'): never {
  throw new SignalingMessageError(code, message);
}

function str(m: Fields, key: string, max: number, min = 1): string {
  const v = m[key];
  if (typeof v !== 'string' || v.length < min || v.length > max) fail(`${key} must be a string of ${min}..${max} characters`);
  return v;
}

function optionalStr(m: Fields, key: string, max: number): string | undefined {
  return m[key] === undefined ? undefined : str(m, key, max, 0);
}

function peerId(m: Fields, key: string): string {
  const v = str(m, key, MAX_PEER_ID_LENGTH);
  if (!/^[A-Za-z0-9_-]+$/.test(v)) fail(`${key} is not a peer id`);
  return v;
}

/** Resume tokens are 24 random bytes as 32 base64url characters. */
function resumeToken(m: Fields, key: string): string {
  const v = str(m, key, 32, 32);
  if (!/^[A-Za-z0-9_-]{32}$/.test(v)) fail(`${key} is not a resume token`);
  return v;
}

function roomName(m: Fields): string | undefined {
  const v = optionalStr(m, 'room', MAX_ROOM_LENGTH);
  if (v !== undefined && !/^[A-Za-z0-9_-]+$/.test(v)) fail('room may hold only letters, digits, "-" and "_"');
  return v;
}

function shareSummary(v: unknown): ShareSummary {
  if (typeof v !== 'object' || v === null) fail('a share must be an object');
  const m = v as Fields;
  if (!isSha256Hex(m.id)) fail('share id must be 64 lower-case hex characters');
  const name = str(m, 'name', MAX_NAME_LENGTH);
  if (!Number.isSafeInteger(m.size) || (m.size as number) < 0 || (m.size as number) > MAX_FILE_SIZE) fail('share size out of range');
  return { id: m.id, name, size: m.size as number };
}

function shareList(m: Fields): ShareSummary[] {
  const v = m.shares;
  if (!Array.isArray(v)) fail('shares must be an array');
  if (v.length > MAX_ANNOUNCED_SHARES) fail(`at most ${MAX_ANNOUNCED_SHARES} shares per message`, 'limit');
  return v.map(shareSummary);
}

function candidate(m: Fields): IceCandidateInit | null {
  const v = m.candidate;
  if (v === null) return null; // end of candidates
  if (typeof v !== 'object' || v === undefined) fail('candidate must be an object or null');
  const c = v as Fields;
  const init: IceCandidateInit = {
    candidate: str(c, 'candidate', 1024, 0),
    sdpMid: c.sdpMid === null || c.sdpMid === undefined ? null : str(c, 'sdpMid', 64, 0),
    sdpMLineIndex: c.sdpMLineIndex === null || c.sdpMLineIndex === undefined ? null : (c.sdpMLineIndex as number),
  };
  if (init.sdpMLineIndex !== null && (!Number.isInteger(init.sdpMLineIndex) || init.sdpMLineIndex < 0 || init.sdpMLineIndex > 255)) {
    fail('sdpMLineIndex out of range');
  }
  if (c.usernameFragment !== undefined && c.usernameFragment !== null) init.usernameFragment = str(c, 'usernameFragment', 256, 0);
  return init;
}

/** Parses one text frame as JSON within the size limit. */
export function parseFrame(text: string): Fields {
  // UTF-16 length bounds UTF-8 bytes from below; the server also bounds the raw frame.
  if (text.length > MAX_SIGNALING_MESSAGE_BYTES) fail('message too large', 'too-large');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail('message is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('message must be a JSON object');
  if (typeof (value as Fields).type !== 'string') fail('message has no type');
  return value as Fields;
}

/** Validates a message a client sent. Unknown fields are dropped; unknown types are an error. */
export function parseClientMessage(text: string): ClientMessage {
  const m = parseFrame(text);
  switch (m.type) {
    case 'join-room': {
      const msg: ClientMessage = { type: 'join-room' };
      const room = roomName(m);
      const name = optionalStr(m, 'name', 64);
      if (room !== undefined) msg.room = room;
      if (name !== undefined) msg.name = name;
      if (m.resume !== undefined) msg.resume = resumeToken(m, 'resume');
      return msg;
    }
    case 'offer':
    case 'answer':
      return { type: m.type, to: peerId(m, 'to'), sdp: str(m, 'sdp', MAX_SDP_LENGTH) };
    case 'ice-candidate':
      return { type: 'ice-candidate', to: peerId(m, 'to'), candidate: candidate(m) };
    case 'announce-file':
      return { type: 'announce-file', shares: shareList(m) };
    case 'request-file':
      if (!isSha256Hex(m.id)) fail('id must be 64 lower-case hex characters');
      return { type: 'request-file', id: m.id };
    case 'ping':
      return { type: 'ping' };
    default:
      fail(`unknown message type ${JSON.stringify(String(m.type).slice(0, 32))}`, 'unknown-type');
  }
}

/**
 * Validates a message from the server. Returns null for a type this client does not know, which a
 * client skips (newer servers may send more).
 */
export function parseServerMessage(text: string): ServerMessage | null {
  const m = parseFrame(text);
  switch (m.type) {
    case 'welcome': {
      if (!Array.isArray(m.peers)) fail('peers must be an array');
      const peers = m.peers.map((p: unknown) => ({ peerId: peerId(p as Fields, 'peerId'), name: str(p as Fields, 'name', 64, 0) }));
      return {
        type: 'welcome',
        peerId: peerId(m, 'peerId'),
        room: str(m, 'room', MAX_ROOM_LENGTH),
        name: str(m, 'name', 64, 0),
        peers,
        resumeToken: resumeToken(m, 'resumeToken'),
        resumed: m.resumed === true,
      };
    }
    case 'peer-joined':
      return { type: 'peer-joined', peerId: peerId(m, 'peerId'), name: str(m, 'name', 64, 0) };
    case 'peer-left':
      return { type: 'peer-left', peerId: peerId(m, 'peerId') };
    case 'offer':
    case 'answer':
      return { type: m.type, from: peerId(m, 'from'), sdp: str(m, 'sdp', MAX_SDP_LENGTH) };
    case 'ice-candidate':
      return { type: 'ice-candidate', from: peerId(m, 'from'), candidate: candidate(m) };
    case 'announce-file':
      return { type: 'announce-file', from: peerId(m, 'from'), shares: shareList(m) };
    case 'files': {
      if (!Array.isArray(m.holders)) fail('holders must be an array');
      const holders = m.holders.map((h: unknown) => ({ peerId: peerId(h as Fields, 'peerId'), shares: shareList(h as Fields) }));
      return { type: 'files', holders };
    }
    case 'error':
      return { type: 'error', code: str(m, 'code', 32) as SignalingErrorCode, message: str(m, 'message', 1024, 0) };
    case 'pong':
      return { type: 'pong' };
    default:
      return null;
  }
}
