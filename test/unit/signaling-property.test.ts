/**
 * Property tests (fast-check) of the signaling validator: whatever arrives, it either returns a
 * message that is valid and stable (validating it again gives it back unchanged) or throws a
 * SignalingMessageError with a known code; nothing else ever escapes. Valid messages built by
 * generators are always accepted as they are.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseClientMessage, parseServerMessage, SIGNALING_ERROR_CODES, SignalingMessageError } from '../../protocol/index.js';

const KNOWN_CLIENT_TYPES = ['join-room', 'offer', 'answer', 'ice-candidate', 'announce-file', 'request-file', 'ping'];

function outcome(parse: (frame: string) => unknown, frame: string): 'ok' | 'refused' {
  try {
    const message = parse(frame);
    if (message !== null) assert.deepEqual(parse(JSON.stringify(message)), message, 'validating a validated message changes nothing');
    return 'ok';
  } catch (error) {
    if (!(error instanceof SignalingMessageError)) throw error;
    assert.ok(SIGNALING_ERROR_CODES.includes(error.code), error.code);
    return 'refused';
  }
}

/** Objects shaped like messages: a known (or unknown) type and arbitrary members, some well-named. */
const messageLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...KNOWN_CLIENT_TYPES, 'welcome', 'files', 'error', 'pong'), fc.string()),
    to: fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.anything()),
    from: fc.anything(),
    sdp: fc.oneof(fc.string(), fc.anything()),
    room: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{0,70}$/), fc.anything()),
    name: fc.oneof(fc.string({ maxLength: 80 }), fc.anything()),
    resume: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{30,34}$/), fc.anything()),
    candidate: fc.oneof(fc.constant(null), fc.record({ candidate: fc.string(), sdpMid: fc.oneof(fc.string(), fc.constant(null)), sdpMLineIndex: fc.oneof(fc.integer(), fc.constant(null), fc.double()) }), fc.anything()),
    id: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string()),
    shares: fc.oneof(fc.array(fc.record({ id: fc.stringMatching(/^[0-9a-f]{64}$/), name: fc.string(), size: fc.oneof(fc.nat(), fc.integer(), fc.double()) }), { maxLength: 300 }), fc.anything()),
  },
  { requiredKeys: ['type'] },
);

test('any frame is either a stable valid message or a typed refusal, never a crash (client side)', () => {
  fc.assert(fc.property(fc.string(), (frame) => void outcome(parseClientMessage, frame)), { numRuns: 2000 });
  fc.assert(fc.property(fc.jsonValue(), (value) => void outcome(parseClientMessage, JSON.stringify(value) ?? 'null')), { numRuns: 2000 });
  fc.assert(fc.property(messageLike, (value) => void outcome(parseClientMessage, JSON.stringify(value))), { numRuns: 5000 });
});

test('any frame is either a stable valid message, skipped, or a typed refusal (browser side)', () => {
  fc.assert(fc.property(fc.string(), (frame) => void outcome(parseServerMessage, frame)), { numRuns: 2000 });
  fc.assert(fc.property(messageLike, (value) => void outcome(parseServerMessage, JSON.stringify(value))), { numRuns: 5000 });
});

const peer = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const share = fc.record({ id: fc.stringMatching(/^[0-9a-f]{64}$/), name: fc.string({ minLength: 1, maxLength: 255 }), size: fc.integer({ min: 0, max: 2 ** 36 }) });
const validClient = fc.oneof(
  fc.record({ type: fc.constant('join-room'), room: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).filter((room) => !/^ip-/i.test(room)), name: fc.string({ maxLength: 64 }) }),
  fc.record({ type: fc.constantFrom('offer', 'answer'), to: peer, sdp: fc.string({ minLength: 1, maxLength: 2000 }) }),
  fc.record({ type: fc.constant('ice-candidate'), to: peer, candidate: fc.oneof(fc.constant(null), fc.record({ candidate: fc.string({ maxLength: 200 }), sdpMid: fc.oneof(fc.constant(null), fc.string({ maxLength: 64 })), sdpMLineIndex: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 255 })) })) }),
  fc.record({ type: fc.constant('announce-file'), shares: fc.array(share, { maxLength: 256 }) }),
  fc.record({ type: fc.constant('request-file'), id: fc.stringMatching(/^[0-9a-f]{64}$/) }),
  fc.record({ type: fc.constant('ping') }),
);

test('every valid client message is accepted exactly as sent', () => {
  fc.assert(fc.property(validClient, (message) => assert.deepEqual(parseClientMessage(JSON.stringify(message)), JSON.parse(JSON.stringify(message)))), { numRuns: 3000 });
});

test('a room name in the address-room namespace is refused as reserved, whatever follows the prefix', () => {
  fc.assert(
    fc.property(fc.constantFrom('ip-', 'IP-', 'Ip-', 'iP-'), fc.stringMatching(/^[A-Za-z0-9_-]{0,61}$/), (prefix, rest) => {
      assert.throws(() => parseClientMessage(JSON.stringify({ type: 'join-room', room: prefix + rest })), (e: SignalingMessageError) => e.code === 'reserved-room');
    }),
    { numRuns: 500 },
  );
});

test('257 shares is a limit error, not a schema error', () => {
  const share = { id: 'a'.repeat(64), name: 'x', size: 1 };
  assert.throws(() => parseClientMessage(JSON.stringify({ type: 'announce-file', shares: Array(257).fill(share) })), (e: SignalingMessageError) => e.code === 'limit');
});
