import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NonceIssuer, NONCE_TTL_MS } from '../../server/turn/nonce.js';
import {
  attribute,
  Attr,
  Class,
  decodeChannelData,
  decodeStun,
  decodeXorAddress,
  encodeChannelData,
  encodeXorAddress,
  integrityMatches,
  longTermKey,
  Method,
  StunWriter,
} from '../../server/turn/stun-codec.js';

const id = Buffer.from('0123456789ab');

test('a message round-trips with MESSAGE-INTEGRITY and FINGERPRINT; encode leaves the writer as it was', () => {
  const key = longTermKey('1:u', 'shoal', 'pw');
  const writer = new StunWriter(Method.ChannelBind, Class.Success, id).add(Attr.Software, Buffer.from('x'));
  const first = writer.encode(key);
  assert.deepEqual(writer.encode(key), first, 'encoding twice gives the same bytes');
  const decoded = decodeStun(first);
  assert.ok(decoded.ok);
  assert.equal(decoded.message.method, Method.ChannelBind);
  assert.equal(decoded.message.class, Class.Success);
  assert.ok(integrityMatches(decoded.message, key));
  assert.ok(!integrityMatches(decoded.message, longTermKey('1:u', 'shoal', 'other')));
});

test('hostile datagrams are refused with a reason, never an exception', () => {
  const good = new StunWriter(Method.Binding, Class.Request, id).encode();
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x00])],
    ['header only, wrong length', Buffer.concat([good.subarray(0, 20), Buffer.from([1])])],
    ['truncated attribute', good.subarray(0, good.length - 2)],
    ['bad fingerprint', Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good.at(-1)! ^ 1])])],
    ['no cookie', Buffer.concat([good.subarray(0, 4), Buffer.alloc(4), good.subarray(8)])],
    ['ChannelData bits', Buffer.concat([Buffer.from([0x40]), good.subarray(1)])],
  ];
  for (const [what, data] of cases) {
    const result = decodeStun(data);
    assert.equal(result.ok, false, what);
  }
  const overlong = Buffer.from(good);
  overlong.writeUInt16BE(0xfffc, 22); // an attribute claiming 65,532 bytes
  assert.equal(decodeStun(overlong).ok, false);
});

test('unknown comprehension-required attributes are listed; optional ones are not', () => {
  const data = new StunWriter(Method.Allocate, Class.Request, id).add(0x0033, Buffer.alloc(1)).add(0x8123, Buffer.alloc(3)).encode();
  const decoded = decodeStun(data);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.message.unknownRequired, [0x0033]);
  assert.equal(attribute(decoded.message, 0x8123)?.length, 3);
});

test('XOR addresses, IPv4 and IPv6', () => {
  for (const addr of [
    { family: 4 as const, address: '203.0.113.7', port: 49152 },
    { family: 6 as const, address: '2001:db8::1', port: 3478 },
    { family: 6 as const, address: 'fe80::a:b:0:1', port: 1 },
  ]) {
    assert.deepEqual(decodeXorAddress(encodeXorAddress(addr, id), id), addr);
  }
  assert.equal(decodeXorAddress(Buffer.alloc(3), id), undefined);
  assert.equal(decodeXorAddress(Buffer.from([0, 9, 0, 0, 0, 0, 0, 0]), id), undefined, 'unknown family');
});

test('ChannelData: channel range and length checked, padding allowed', () => {
  assert.deepEqual(decodeChannelData(encodeChannelData(0x4001, Buffer.from('hi'))), { ok: true, channel: 0x4001, data: Buffer.from('hi') });
  assert.equal(decodeChannelData(Buffer.concat([encodeChannelData(0x4001, Buffer.from('hi')), Buffer.alloc(2)])).ok, true, 'padded');
  for (const bad of [Buffer.alloc(0), Buffer.from([0x40]), Buffer.from([0x40, 0, 0]), Buffer.from([0x3f, 0xff, 0, 0]), Buffer.from([0x40, 1, 0, 9, 1])]) {
    assert.equal(decodeChannelData(bad).ok, false, bad.toString('hex'));
  }
});

test('stateless nonces: bound to the client address, stale after their lifetime, forged ones invalid', () => {
  let now = 1_700_000_000_000;
  const issuer = new NonceIssuer(Buffer.alloc(32, 1), () => now);
  const nonce = issuer.issue('1.2.3.4|5');
  assert.equal(issuer.check(nonce, '1.2.3.4|5'), 'valid');
  assert.equal(issuer.check(nonce, '1.2.3.4|6'), 'invalid', 'another client');
  assert.equal(new NonceIssuer(Buffer.alloc(32, 2), () => now).check(nonce, '1.2.3.4|5'), 'invalid', 'another key');
  assert.equal(issuer.check('x', '1.2.3.4|5'), 'invalid');
  now += NONCE_TTL_MS + 1000;
  assert.equal(issuer.check(nonce, '1.2.3.4|5'), 'stale');
});
