/**
 * protocol/README.md is the specification; these tests read its examples and test vectors and hold
 * the reference implementation to them byte for byte.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  Bitfield,
  computeShareId,
  decodeFrame,
  decodeVerifiedMetadata,
  encodeBitfield,
  encodeCancel,
  encodeError,
  encodeHandshake,
  encodeHave,
  encodeKeepAlive,
  encodeMetadata,
  encodeMetadataPart,
  encodeMetadataRequest,
  encodePiece,
  encodeRequest,
  encodeRequests,
  encodeFeatures,
  WireFeature,
  encodeReject,
  RejectReason,
  validateMetadata,
  WireType,
} from '../../protocol/index.js';

const spec = readFileSync(new URL('../../protocol/README.md', import.meta.url), 'utf8');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const text = (s: string) => new TextEncoder().encode(s);

function fenced(info: RegExp): { info: string; body: string }[] {
  const blocks: { info: string; body: string }[] = [];
  for (const match of spec.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)) if (info.test(match[1]!)) blocks.push({ info: match[1]!, body: match[2]! });
  return blocks;
}

test('the spec\'s metadata examples are canonical encodings with the share ids it states', async () => {
  const examples = fenced(/^metadata id=/);
  assert.equal(examples.length, 2, 'a single-file and a folder example');
  for (const { info, body } of examples) {
    const id = info.slice('metadata id='.length);
    const bytes = text(body.trimEnd());
    assert.equal(createHash('sha256').update(bytes).digest('hex'), id, 'the id is the SHA-256 of the bytes');
    const meta = validateMetadata(JSON.parse(body));
    assert.equal(hex(encodeMetadata(meta)), hex(bytes), 'the example is the canonical encoding');
    assert.equal(await computeShareId(meta), id);
    assert.deepEqual(await decodeVerifiedMetadata(bytes, id), meta);
  }
});

const ABC = fenced(/^metadata id=/)[0]!.info.slice('metadata id='.length);

/** Each vector's call, as the reference encoder makes it. */
const CALLS: Record<string, () => Uint8Array> = {
  'keep-alive()': () => encodeKeepAlive(),
  'handshake(abc)': () => encodeHandshake(ABC),
  'bitfield(10 chunks: 0,1,2,9)': () => {
    const bits = new Bitfield(10);
    for (const i of [0, 1, 2, 9]) bits.set(i);
    return encodeBitfield(bits.bytes);
  },
  'have(9)': () => encodeHave(9),
  'request(258)': () => encodeRequest(258),
  'piece(1, "abc")': () => encodePiece(1, text('abc')),
  'reject(7, too-many)': () => encodeReject(7, RejectReason.TooManyRequests),
  'cancel(7)': () => encodeCancel(7),
  'metadata-request(2)': () => encodeMetadataRequest(2),
  'metadata-part(0, 1, "{}")': () => encodeMetadataPart(0, 1, text('{}')),
  'error(banned, "bad chunk")': () => encodeError(4, 'bad chunk'),
  'features(batched-requests)': () => encodeFeatures(WireFeature.BatchedRequests),
  'requests(258, 7)': () => encodeRequests([258, 7]),
};

/** What decoding each vector must give back. */
const DECODED: Record<string, unknown> = {
  'keep-alive()': { type: 'keep-alive' },
  'handshake(abc)': { type: 'handshake', version: 1, shareId: ABC },
  'have(9)': { type: 'have', index: 9 },
  'request(258)': { type: 'request', index: 258 },
  'reject(7, too-many)': { type: 'reject', index: 7, reason: 2 },
  'cancel(7)': { type: 'cancel', index: 7 },
  'metadata-request(2)': { type: 'metadata-request', part: 2 },
  'error(banned, "bad chunk")': { type: 'error', code: 4, reason: 'bad chunk' },
  'features(batched-requests)': { type: 'features', flags: 1 },
  'requests(258, 7)': { type: 'requests', indices: [258, 7] },
};

test('every wire test vector in the spec is what the reference encodes and decodes', () => {
  const [block] = fenced(/^test-vectors$/);
  assert.ok(block, 'the spec has a test-vectors block');
  const lines = block.body.trim().split('\n');
  assert.equal(lines.length, Object.keys(CALLS).length, 'one vector per frame type');
  for (const line of lines) {
    const match = /^(.+?)\s{2,}([0-9a-f]+)$/.exec(line);
    assert.ok(match, `vector line ${JSON.stringify(line)} is "call  hex"`);
    const [, call, frame] = match;
    const encode = CALLS[call!];
    assert.ok(encode, `a known call: ${call}`);
    assert.equal(hex(encode()), frame, call);
    const bytes = Buffer.from(frame!, 'hex');
    const decoded = decodeFrame(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    if (DECODED[call!]) assert.deepEqual(decoded, DECODED[call!], `${call} decodes`);
    else assert.equal(decoded?.type, call!.slice(0, call!.indexOf('(')), `${call} decodes to its type`);
  }
});

test('the spec\'s frame table gives every type the number the implementation uses', () => {
  const table = [...spec.matchAll(/^\| (0x[0-9a-f]{2}) \| ([A-Z-]+)\s*\|/gm)].map((m) => [m[2]!, Number(m[1])] as const);
  const camel = (name: string) => name.toLowerCase().replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
  assert.deepEqual(
    Object.fromEntries(table.map(([name, type]) => [camel(name), type])),
    Object.fromEntries(Object.entries(WireType)),
  );
  assert.equal(decodeFrame(new Uint8Array([0x1f, 1, 2]).buffer), null, 'an unknown type is skipped');
});
