/**
 * STUN (RFC 5389) and TURN (RFC 5766) messages and ChannelData, decoded from untrusted datagrams and
 * encoded for replies. Decoding never throws on bad input: it returns a typed reason instead, and it
 * is bounded (at most MAX_ATTRIBUTES attributes, nothing after FINGERPRINT), so a hostile datagram
 * costs at most one pass over at most MAX_DATAGRAM bytes.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const MAGIC_COOKIE = 0x2112a442;
/** REQUESTED-TRANSPORT's protocol number for UDP, the only transport we relay. */
export const TRANSPORT_UDP = 17;
const FINGERPRINT_XOR = 0x5354554e;
/** Largest datagram we look at; real TURN traffic over UDP stays under the path MTU. */
export const MAX_DATAGRAM = 65_535;
/** More attributes than any legitimate request carries (an Allocate has about eight). */
export const MAX_ATTRIBUTES = 32;

export const Method = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;

export const Class = { Request: 0b00, Indication: 0b01, Success: 0b10, Error: 0b11 } as const;
export type MessageClass = (typeof Class)[keyof typeof Class];

export const Attr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ChannelNumber: 0x000c,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedAddressFamily: 0x0017,
  EvenPort: 0x0018,
  RequestedTransport: 0x0019,
  DontFragment: 0x001a,
  XorMappedAddress: 0x0020,
  ReservationToken: 0x0022,
  Software: 0x8022,
  Fingerprint: 0x8028,
} as const;

/** Comprehension-required attributes (0x0000-0x7FFF) this server understands; any other gets 420. */
const UNDERSTOOD = new Set<number>([
  Attr.MappedAddress, Attr.Username, Attr.MessageIntegrity, Attr.ErrorCode, Attr.UnknownAttributes, Attr.ChannelNumber,
  Attr.Lifetime, Attr.XorPeerAddress, Attr.Data, Attr.Realm, Attr.Nonce, Attr.XorRelayedAddress, Attr.RequestedAddressFamily,
  Attr.EvenPort, Attr.RequestedTransport, Attr.DontFragment, Attr.XorMappedAddress, Attr.ReservationToken,
]);

export interface Attribute {
  type: number;
  value: Buffer;
  /** Offset of the attribute header in the message (MESSAGE-INTEGRITY is computed up to it). */
  offset: number;
}

export interface StunMessage {
  method: number;
  class: MessageClass;
  transactionId: Buffer;
  attributes: Attribute[];
  /** The raw datagram (for MESSAGE-INTEGRITY checks). */
  raw: Buffer;
  /** Comprehension-required attributes we do not understand (the request is answered 420). */
  unknownRequired: number[];
}

export type DecodeResult = { ok: true; message: StunMessage } | { ok: false; reason: string };

/** True if the datagram can only be ChannelData (first two bits 01). */
export function looksLikeChannelData(data: Buffer): boolean {
  return data.length >= 4 && (data[0]! & 0xc0) === 0x40;
}

export function decodeStun(data: Buffer): DecodeResult {
  if (data.length < 20) return { ok: false, reason: 'shorter than a STUN header' };
  if (data.length > MAX_DATAGRAM) return { ok: false, reason: 'too large' };
  const type = data.readUInt16BE(0);
  if (type & 0xc000) return { ok: false, reason: 'not STUN (first bits set)' };
  const length = data.readUInt16BE(2);
  if (data.readUInt32BE(4) !== MAGIC_COOKIE) return { ok: false, reason: 'no magic cookie' };
  if (length % 4 !== 0 || 20 + length !== data.length) return { ok: false, reason: 'length does not match the datagram' };
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = (((type & 0x0100) >> 7) | ((type & 0x0010) >> 4)) as MessageClass;
  const attributes: Attribute[] = [];
  const unknownRequired: number[] = [];
  let offset = 20;
  let sawIntegrity = false;
  for (let count = 0; offset < data.length; count++) {
    if (count >= MAX_ATTRIBUTES) return { ok: false, reason: 'too many attributes' };
    if (offset + 4 > data.length) return { ok: false, reason: 'truncated attribute header' };
    const attrType = data.readUInt16BE(offset);
    const attrLength = data.readUInt16BE(offset + 2);
    const end = offset + 4 + attrLength;
    if (end > data.length) return { ok: false, reason: 'attribute runs past the end' };
    // After MESSAGE-INTEGRITY only FINGERPRINT may follow; anything else is ignored (RFC 5389 15.4).
    if (!sawIntegrity || attrType === Attr.Fingerprint) {
      attributes.push({ type: attrType, value: data.subarray(offset + 4, end), offset });
      if (attrType < 0x8000 && !UNDERSTOOD.has(attrType) && !unknownRequired.includes(attrType)) unknownRequired.push(attrType);
    }
    if (attrType === Attr.MessageIntegrity) sawIntegrity = true;
    offset = end + ((4 - (attrLength % 4)) % 4);
    if (attrType === Attr.Fingerprint) {
      if (offset !== data.length) return { ok: false, reason: 'FINGERPRINT is not last' };
      if (attrLength !== 4 || data.readUInt32BE(end - 4) !== fingerprintOf(data.subarray(0, end - 8))) return { ok: false, reason: 'bad FINGERPRINT' };
    }
  }
  if (offset !== data.length) return { ok: false, reason: 'attribute padding runs past the end' };
  return { ok: true, message: { method, class: cls, transactionId: Buffer.from(data.subarray(8, 20)), attributes, raw: data, unknownRequired } };
}

export function attribute(message: StunMessage, type: number): Buffer | undefined {
  return message.attributes.find((a) => a.type === type)?.value;
}

export function attributes(message: StunMessage, type: number): Buffer[] {
  return message.attributes.filter((a) => a.type === type).map((a) => a.value);
}

export interface TransportAddress {
  family: 4 | 6;
  address: string;
  port: number;
}

/** XOR-MAPPED/-PEER/-RELAYED-ADDRESS value, or undefined if malformed. */
export function decodeXorAddress(value: Buffer, transactionId: Buffer): TransportAddress | undefined {
  if (value.length < 8 || value[0] !== 0) return undefined;
  const family = value[1];
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  if (family === 0x01 && value.length === 8) {
    const x = value.readUInt32BE(4) ^ MAGIC_COOKIE;
    return { family: 4, address: [x >>> 24, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff].join('.'), port };
  }
  if (family === 0x02 && value.length === 20) {
    const key = Buffer.concat([u32(MAGIC_COOKIE), transactionId]);
    const bytes = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) bytes[i] = value[4 + i]! ^ key[i]!;
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
    return { family: 6, address: compressIpv6(groups), port };
  }
  return undefined;
}

export function encodeXorAddress(addr: TransportAddress, transactionId: Buffer): Buffer {
  const port = addr.port ^ (MAGIC_COOKIE >>> 16);
  if (addr.family === 4) {
    const out = Buffer.alloc(8);
    out[1] = 0x01;
    out.writeUInt16BE(port, 2);
    const parts = addr.address.split('.').map(Number);
    out.writeUInt32BE((((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) ^ MAGIC_COOKIE) >>> 0, 4);
    return out;
  }
  const out = Buffer.alloc(20);
  out[1] = 0x02;
  out.writeUInt16BE(port, 2);
  const bytes = ipv6Bytes(addr.address);
  const key = Buffer.concat([u32(MAGIC_COOKIE), transactionId]);
  for (let i = 0; i < 16; i++) out[4 + i] = bytes[i]! ^ key[i]!;
  return out;
}

function compressIpv6(groups: string[]): string {
  // The longest run of zero groups becomes '::' (RFC 5952), so addresses compare as Node prints them.
  let best = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) [best, bestLength] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

// ---- CRC-32 (FINGERPRINT) ------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function fingerprintOf(data: Buffer): number {
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ((crc ^ -1) ^ FINGERPRINT_XOR) >>> 0;
}

// ---- MESSAGE-INTEGRITY -------------------------------------------------------------------------

/** The long-term credential key: MD5(username ":" realm ":" password). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest();
}

/** True if the message's MESSAGE-INTEGRITY matches `key`. */
export function integrityMatches(message: StunMessage, key: Buffer): boolean {
  const mi = message.attributes.find((a) => a.type === Attr.MessageIntegrity);
  if (!mi || mi.value.length !== 20) return false;
  // HMAC over the message up to MESSAGE-INTEGRITY, with the header length covering it.
  const covered = Buffer.from(message.raw.subarray(0, mi.offset));
  covered.writeUInt16BE(mi.offset + 24 - 20, 2);
  const expected = createHmac('sha1', key).update(covered).digest();
  // Constant time: how long a comparison takes must not tell an attacker how many bytes matched.
  return timingSafeEqual(expected, mi.value);
}

// ---- Encoding ------------------------------------------------------------------------------------

export class StunWriter {
  readonly #parts: Buffer[] = [];
  #length = 0;

  constructor(
    readonly method: number,
    readonly cls: MessageClass,
    readonly transactionId: Buffer,
  ) {}

  add(type: number, value: Buffer): this {
    const header = Buffer.alloc(4);
    header.writeUInt16BE(type, 0);
    header.writeUInt16BE(value.length, 2);
    const padding = Buffer.alloc((4 - (value.length % 4)) % 4);
    this.#parts.push(header, value, padding);
    this.#length += 4 + value.length + padding.length;
    return this;
  }

  addError(code: number, reason: string): this {
    const text = Buffer.from(reason, 'utf8');
    const value = Buffer.alloc(4 + text.length);
    value[2] = Math.floor(code / 100);
    value[3] = code % 100;
    text.copy(value, 4);
    return this.add(Attr.ErrorCode, value);
  }

  #header(extra: number): Buffer {
    const header = Buffer.alloc(20);
    const m = this.method;
    const c = this.cls;
    const type = (m & 0x000f) | ((m & 0x0070) << 1) | ((m & 0x0f80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7);
    header.writeUInt16BE(type, 0);
    header.writeUInt16BE(this.#length + extra, 2);
    header.writeUInt32BE(MAGIC_COOKIE, 4);
    this.transactionId.copy(header, 8);
    return header;
  }

  /** The message, with MESSAGE-INTEGRITY (if `key`) and FINGERPRINT appended; the writer is unchanged. */
  encode(key?: Buffer): Buffer {
    const body = [...this.#parts];
    let length = this.#length;
    const header = (extra: number) => {
      const h = this.#header(0);
      h.writeUInt16BE(length + extra, 2);
      return h;
    };
    const append = (type: number, value: Buffer) => {
      const attr = Buffer.alloc(4);
      attr.writeUInt16BE(type, 0);
      attr.writeUInt16BE(value.length, 2);
      body.push(attr, value);
      length += 4 + value.length;
    };
    if (key) append(Attr.MessageIntegrity, createHmac('sha1', key).update(Buffer.concat([header(24), ...body])).digest());
    const fingerprint = Buffer.alloc(4);
    fingerprint.writeUInt32BE(fingerprintOf(Buffer.concat([header(8), ...body])));
    append(Attr.Fingerprint, fingerprint);
    return Buffer.concat([header(0), ...body]);
  }
}

export function lifetimeValue(seconds: number): Buffer {
  return u32(seconds);
}

// ---- ChannelData -------------------------------------------------------------------------------

export type ChannelDataResult = { ok: true; channel: number; data: Buffer } | { ok: false; reason: string };

/** ChannelData from a client: channel 0x4000-0x7FFF, length within the datagram (padding allowed). */
export function decodeChannelData(data: Buffer): ChannelDataResult {
  if (data.length < 4) return { ok: false, reason: 'shorter than a ChannelData header' };
  const channel = data.readUInt16BE(0);
  if (channel < 0x4000 || channel > 0x7fff) return { ok: false, reason: 'channel number out of range' };
  const length = data.readUInt16BE(2);
  if (4 + length > data.length) return { ok: false, reason: 'length runs past the datagram' };
  return { ok: true, channel, data: data.subarray(4, 4 + length) };
}

export function encodeChannelData(channel: number, payload: Buffer): Buffer {
  // Over UDP the padding is optional (RFC 5766 11.5); we send none.
  const header = Buffer.alloc(4);
  header.writeUInt16BE(channel, 0);
  header.writeUInt16BE(payload.length, 2);
  return Buffer.concat([header, payload]);
}
