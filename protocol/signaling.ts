/**
 * Signaling messages between a browser and the Shoal server: JSON text frames, each an object with a
 * `type`. One schema (valibot) describes every message; both ends validate every message they
 * receive with the parsers here, and the types come from the same schema. The spec is
 * protocol/README.md. The server stamps `from` on whatever it relays: a client never names itself.
 */
import * as v from 'valibot';
import {
  ADDRESS_ROOM_PREFIX,
  MAX_ANNOUNCED_SHARES,
  MAX_FILE_SIZE,
  MAX_NAME_LENGTH,
  MAX_PEER_ID_LENGTH,
  MAX_ROOM_LENGTH,
  MAX_SDP_LENGTH,
  MAX_SIGNALING_MESSAGE_BYTES,
} from './constants.js';
import { isSha256Hex } from './hex.js';
import { MAX_SEALED_LENGTH } from './private-share.js';

export type SignalingErrorCode =
  | 'bad-message'
  | 'too-large'
  | 'unknown-type'
  | 'not-in-room'
  | 'unknown-peer'
  | 'rate-limited'
  | 'room-full'
  | 'limit'
  | 'origin-not-allowed'
  | 'reserved-room';

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

/** True for a name only the server may assign (the room of a public address); case does not matter. */
export function isAddressRoomName(room: string): boolean {
  return room.slice(0, ADDRESS_ROOM_PREFIX.length).toLowerCase() === ADDRESS_ROOM_PREFIX;
}

// ---- The schema ----------------------------------------------------------------------------------

const LIMIT = 'limit';
const RESERVED = 'reserved-room';
const text = (min: number, max: number) => v.pipe(v.string(), v.minLength(min), v.maxLength(max));
const peerId = v.pipe(text(1, MAX_PEER_ID_LENGTH), v.regex(/^[A-Za-z0-9_-]+$/, 'not a peer id'));
const displayName = text(0, 64);
const resumeToken = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{32}$/, 'not a resume token'));
const shareId = v.custom<string>(isSha256Hex, 'must be 64 lower-case hex characters');

/**
 * A share as announced: its id, name and size, or for a private share (spec §11.2) its opaque id, an
 * empty name, size 0 and the sealed summary only a holder of the secret can open.
 */
const ShareSummarySchema = v.pipe(
  v.object({
    id: shareId,
    name: text(0, MAX_NAME_LENGTH),
    size: v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(MAX_FILE_SIZE)),
    sealed: v.optional(v.pipe(text(1, MAX_SEALED_LENGTH), v.regex(/^[A-Za-z0-9_-]+$/, 'not base64url'))),
  }),
  v.check((share) => (share.sealed === undefined ? share.name.length > 0 : share.name === '' && share.size === 0), 'a share has a name, or else (private) a sealed summary, an empty name and size 0'),
);
const shares = v.pipe(v.array(ShareSummarySchema), v.maxLength(MAX_ANNOUNCED_SHARES, LIMIT));
const shareIds = v.pipe(v.array(shareId), v.minLength(1), v.maxLength(MAX_ANNOUNCED_SHARES, LIMIT));

/** RTCIceCandidateInit as browsers produce it; null and missing optional members mean the same. */
const CandidateSchema = v.nullable(
  v.pipe(
    v.object({
      candidate: text(0, 1024),
      sdpMid: v.nullish(text(0, 64)),
      sdpMLineIndex: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255))),
      usernameFragment: v.nullish(text(0, 256)),
    }),
    v.transform(({ candidate, sdpMid, sdpMLineIndex, usernameFragment }) => ({
      candidate,
      sdpMid: sdpMid ?? null,
      sdpMLineIndex: sdpMLineIndex ?? null,
      ...(usernameFragment !== undefined && usernameFragment !== null ? { usernameFragment } : {}),
    })),
  ),
);

const PeerInfoSchema = v.object({ peerId, name: displayName });

const ClientSchema = v.variant('type', [
  v.object({
    type: v.literal('join-room'),
    room: v.optional(
      v.pipe(
        text(1, MAX_ROOM_LENGTH),
        v.regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, "-" and "_"'),
        v.check((room) => !isAddressRoomName(room), RESERVED),
      ),
    ),
    name: v.optional(displayName),
    resume: v.optional(resumeToken),
  }),
  v.object({ type: v.literal('offer'), to: peerId, sdp: text(1, MAX_SDP_LENGTH) }),
  v.object({ type: v.literal('answer'), to: peerId, sdp: text(1, MAX_SDP_LENGTH) }),
  v.object({ type: v.literal('ice-candidate'), to: peerId, candidate: CandidateSchema }),
  v.object({ type: v.literal('announce-file'), shares }),
  v.object({ type: v.literal('withdraw-file'), ids: shareIds }),
  v.object({ type: v.literal('request-file'), id: shareId }),
  v.object({ type: v.literal('rename'), name: displayName }),
  v.object({ type: v.literal('ping') }),
]);

const errorCodes: SignalingErrorCode[] = ['bad-message', 'too-large', 'unknown-type', 'not-in-room', 'unknown-peer', 'rate-limited', 'room-full', 'limit', 'origin-not-allowed', 'reserved-room'];

const ServerSchema = v.variant('type', [
  v.object({ type: v.literal('welcome'), peerId, room: text(1, MAX_ROOM_LENGTH), name: displayName, peers: v.array(PeerInfoSchema), resumeToken, resumed: v.optional(v.boolean(), false) }),
  v.object({ type: v.literal('peer-joined'), peerId, name: displayName }),
  v.object({ type: v.literal('peer-left'), peerId }),
  v.object({ type: v.literal('offer'), from: peerId, sdp: text(1, MAX_SDP_LENGTH) }),
  v.object({ type: v.literal('answer'), from: peerId, sdp: text(1, MAX_SDP_LENGTH) }),
  v.object({ type: v.literal('ice-candidate'), from: peerId, candidate: CandidateSchema }),
  v.object({ type: v.literal('announce-file'), from: peerId, shares }),
  v.object({ type: v.literal('withdraw-file'), from: peerId, ids: shareIds }),
  v.object({ type: v.literal('peer-renamed'), peerId, name: displayName }),
  v.object({ type: v.literal('files'), holders: v.array(v.object({ peerId, shares })) }),
  // A code this client does not know is kept as text: it is shown, not acted on.
  v.object({ type: v.literal('error'), code: v.pipe(text(1, 32), v.transform((c) => c as SignalingErrorCode)), message: text(0, 1024) }),
  v.object({ type: v.literal('pong') }),
]);

const CLIENT_TYPES = new Set(ClientSchema.options.map((o) => o.entries.type.literal));
const SERVER_TYPES = new Set(ServerSchema.options.map((o) => o.entries.type.literal));

export type ShareSummary = v.InferOutput<typeof ShareSummarySchema>;
export type PeerInfo = v.InferOutput<typeof PeerInfoSchema>;
export type IceCandidateInit = NonNullable<v.InferOutput<typeof CandidateSchema>>;
export type ClientMessage = v.InferOutput<typeof ClientSchema>;
export type ServerMessage = v.InferOutput<typeof ServerSchema>;
export { errorCodes as SIGNALING_ERROR_CODES };

// ---- Parsing -------------------------------------------------------------------------------------

type Fields = Record<string, unknown>;

function fail(message: string, code: SignalingErrorCode = 'bad-message'): never {
  throw new SignalingMessageError(code, message);
}

/** Parses one text frame as a JSON object with a string `type`, within the size limit. */
export function parseFrame(frame: string): Fields {
  // UTF-16 length bounds UTF-8 bytes from below; the server also bounds the raw frame.
  if (frame.length > MAX_SIGNALING_MESSAGE_BYTES) fail('message too large', 'too-large');
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    fail('message is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('message must be a JSON object');
  if (typeof (value as Fields).type !== 'string') fail('message has no type');
  return value as Fields;
}

function validate<T>(schema: v.GenericSchema<unknown, T>, value: Fields): T {
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue) ?? 'message';
  if (issue.message === LIMIT) fail(`${path}: at most ${MAX_ANNOUNCED_SHARES} shares per message`, 'limit');
  if (issue.message === RESERVED) {
    fail(`${path}: names starting with "${ADDRESS_ROOM_PREFIX}" are the server's own; join without a room to enter the room of your network`, 'reserved-room');
  }
  fail(`${path}: ${issue.message}`);
}

/** Validates a message a client sent. Unknown fields are dropped; unknown types are an error. */
export function parseClientMessage(frame: string): ClientMessage {
  const value = parseFrame(frame);
  if (!CLIENT_TYPES.has(value.type as never)) fail(`unknown message type ${JSON.stringify(String(value.type).slice(0, 32))}`, 'unknown-type');
  return validate(ClientSchema, value);
}

/**
 * Validates a message from the server. Returns null for a type this client does not know, which a
 * client skips (newer servers may send more).
 */
export function parseServerMessage(frame: string): ServerMessage | null {
  const value = parseFrame(frame);
  if (!SERVER_TYPES.has(value.type as never)) return null;
  return validate(ServerSchema, value);
}
