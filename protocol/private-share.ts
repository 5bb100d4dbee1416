/**
 * Private shares (spec §11): a secret that lives only in the link's #fragment and in the sharers'
 * storage. From it and the share id, HKDF-SHA-256 derives an opaque id (what signaling sees instead
 * of the share id), an AES-GCM key that seals the name, size and type announced in the room, and an
 * HMAC key with which both ends of a data channel prove they know the secret, bound to the DTLS
 * fingerprints each side sees (a man in the middle who rewrote the SDPs leaves them different).
 * WebCrypto only: the same code runs in browsers, workers and Node.
 */
import { fromHex, toHex } from './hex.js';

/** Bytes of secret: 128 bits. */
export const PRIVATE_SECRET_BYTES = 16;
/** Bytes of each nonce of the proof exchange. */
export const AUTH_NONCE_BYTES = 32;
/** Bytes of an HMAC-SHA-256 proof. */
export const AUTH_MAC_BYTES = 32;
/** A sealed announcement is at most this many base64url characters (a name of 255 UTF-16 units fits). */
export const MAX_SEALED_LENGTH = 1200;

const LABEL_ID = 'shoal/1 private id';
const LABEL_META = 'shoal/1 private metadata';
const LABEL_AUTH = 'shoal/1 private auth';
const PROOF_SEEDER = 'shoal/1 seeder proof';
const PROOF_DOWNLOADER = 'shoal/1 downloader proof';
const GCM_NONCE_BYTES = 12;

export class PrivateLinkError extends Error {
  override name = 'PrivateLinkError';
}

export class SealedMetadataError extends Error {
  override name = 'SealedMetadataError';
}

export class FingerprintError extends Error {
  override name = 'FingerprintError';
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const subtle = () => globalThis.crypto.subtle;
/** WebCrypto's types want an ArrayBuffer-backed view; every view here is one. */
const buf = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new TypeError('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A new secret: 16 random bytes, as the 22 base64url characters a link carries. */
export function newPrivateSecret(): string {
  return toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(PRIVATE_SECRET_BYTES)));
}

/** The secret's bytes; PrivateLinkError unless it is exactly 22 base64url characters (16 bytes). */
export function parsePrivateSecret(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]{22}$/.test(text)) throw new PrivateLinkError(text.length < 22 ? 'the link\'s secret is cut short' : 'the link\'s secret is not valid');
  const bytes = fromBase64Url(text);
  // 22 characters hold 132 bits: the last 4 must be zero, so each secret has one spelling.
  if (bytes.length !== PRIVATE_SECRET_BYTES || toBase64Url(bytes) !== text) throw new PrivateLinkError('the link\'s secret is not valid');
  return bytes;
}

/** What a private share's secret gives: the opaque id, and the keys. */
export interface PrivateKeys {
  /** Share id (content id) the keys are for, hex. */
  shareId: string;
  /** What signaling sees: 32 bytes, hex. */
  privateId: string;
  /** Seals the announced name, size and type (AES-256-GCM). */
  metadataKey: CryptoKey;
  /** Proves the secret on a data channel (HMAC-SHA-256). */
  authKey: CryptoKey;
}

async function hkdf(secret: Uint8Array, salt: Uint8Array, info: string, bytes: number): Promise<Uint8Array> {
  const ikm = await subtle().importKey('raw', buf(secret), 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: utf8(info) }, ikm, bytes * 8));
}

/** HKDF-SHA-256 with the share id's 32 bytes as salt and a label per key (spec §11.2). */
export async function derivePrivateKeys(secret: Uint8Array, shareId: string): Promise<PrivateKeys> {
  const salt = fromHex(shareId);
  const [id, metadata, auth] = await Promise.all([hkdf(secret, salt, LABEL_ID, 32), hkdf(secret, salt, LABEL_META, 32), hkdf(secret, salt, LABEL_AUTH, 32)]);
  return {
    shareId,
    privateId: toHex(id),
    metadataKey: await subtle().importKey('raw', buf(metadata), 'AES-GCM', false, ['encrypt', 'decrypt']),
    authKey: await subtle().importKey('raw', buf(auth), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
  };
}

/** What a sealed announcement holds. */
export interface SealedSummary {
  name: string;
  size: number;
  type: string;
}

/**
 * Seals a summary: base64url(nonce 12 ‖ AES-GCM ciphertext and tag) of its JSON, with the opaque id
 * as additional data (a sealed blob moved to another id does not open). `nonce` only for test vectors.
 */
export async function sealSummary(keys: PrivateKeys, summary: SealedSummary, nonce = globalThis.crypto.getRandomValues(new Uint8Array(GCM_NONCE_BYTES))): Promise<string> {
  const plain = utf8(JSON.stringify({ name: summary.name, size: summary.size, type: summary.type }));
  const sealed = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: buf(nonce), additionalData: buf(fromHex(keys.privateId)) }, keys.metadataKey, plain));
  const out = new Uint8Array(GCM_NONCE_BYTES + sealed.length);
  out.set(nonce);
  out.set(sealed, GCM_NONCE_BYTES);
  const text = toBase64Url(out);
  if (text.length > MAX_SEALED_LENGTH) throw new SealedMetadataError('the name is too long to seal');
  return text;
}

/** Opens a sealed summary; SealedMetadataError when it was not sealed with these keys or is malformed. */
export async function openSummary(keys: PrivateKeys, sealed: string): Promise<SealedSummary> {
  let plain: Uint8Array;
  try {
    const bytes = fromBase64Url(sealed);
    if (bytes.length < GCM_NONCE_BYTES + 16) throw new Error('too short');
    plain = new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: buf(bytes.subarray(0, GCM_NONCE_BYTES)), additionalData: buf(fromHex(keys.privateId)) }, keys.metadataKey, buf(bytes.subarray(GCM_NONCE_BYTES))));
  } catch {
    throw new SealedMetadataError('the announcement was not sealed with this share\'s secret');
  }
  const value = JSON.parse(new TextDecoder().decode(plain)) as Partial<SealedSummary>;
  if (typeof value.name !== 'string' || typeof value.size !== 'number' || typeof value.type !== 'string') throw new SealedMetadataError('the sealed announcement is malformed');
  return { name: value.name, size: value.size, type: value.type };
}

/**
 * The DTLS certificate fingerprint an SDP names (`a=fingerprint:sha-256 AB:CD:…`), as
 * "sha-256 AB:CD:…". FingerprintError when it names none, or two different ones.
 */
export function sdpFingerprint(sdp: string): string {
  const found = new Set<string>();
  for (const match of sdp.matchAll(/^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/gm)) found.add(`${match[1]!.toLowerCase()} ${match[2]!.toUpperCase()}`);
  if (found.size !== 1) throw new FingerprintError(found.size === 0 ? 'the description names no DTLS fingerprint' : 'the description names several DTLS fingerprints');
  return [...found][0]!;
}

/** The fingerprints of one connection as this end sees them: its own certificate's, and the other end's. */
export interface ConnectionFingerprints {
  local: string;
  remote: string;
}

/** Both fingerprints of a connection, read from its descriptions (FingerprintError if either lacks one). */
export function connectionFingerprints(connection: { localDescription: { sdp: string } | null; remoteDescription: { sdp: string } | null }): ConnectionFingerprints {
  if (!connection.localDescription || !connection.remoteDescription) throw new FingerprintError('the connection has no descriptions yet');
  return { local: sdpFingerprint(connection.localDescription.sdp), remote: sdpFingerprint(connection.remoteDescription.sdp) };
}

/**
 * The bytes a proof signs (spec §11.3): label ‖ 0x00 ‖ opaque id ‖ downloader's nonce ‖ seeder's
 * nonce ‖ the seeder's fingerprint ‖ 0x00 ‖ the downloader's fingerprint, fingerprints in UTF-8.
 */
function proofInput(label: string, privateId: string, nonceD: Uint8Array, nonceS: Uint8Array, seederFingerprint: string, downloaderFingerprint: string): Uint8Array {
  const parts = [utf8(label), new Uint8Array(1), fromHex(privateId), nonceD, nonceS, utf8(seederFingerprint), new Uint8Array(1), utf8(downloaderFingerprint)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export type ProofRole = 'seeder' | 'downloader';

export interface ProofContext {
  keys: PrivateKeys;
  nonceD: Uint8Array;
  nonceS: Uint8Array;
  /** The fingerprints as the computing end sees them. */
  fingerprints: ConnectionFingerprints;
}

/** Who is who: the seeder's own fingerprint is its local one, the downloader's its remote one, and so on. */
function roles(by: ProofRole, fingerprints: ConnectionFingerprints): { seeder: string; downloader: string } {
  return by === 'seeder' ? { seeder: fingerprints.local, downloader: fingerprints.remote } : { seeder: fingerprints.remote, downloader: fingerprints.local };
}

/** The proof `of` the role, computed by the end playing `by` from what it sees. */
export async function proofMac(of: ProofRole, by: ProofRole, context: ProofContext): Promise<Uint8Array> {
  const { seeder, downloader } = roles(by, context.fingerprints);
  const input = proofInput(of === 'seeder' ? PROOF_SEEDER : PROOF_DOWNLOADER, context.keys.privateId, context.nonceD, context.nonceS, seeder, downloader);
  return new Uint8Array(await subtle().sign('HMAC', context.keys.authKey, buf(input)));
}

/** Checks the other end's proof in constant time (WebCrypto's verify). */
export async function verifyProof(of: ProofRole, by: ProofRole, context: ProofContext, mac: Uint8Array): Promise<boolean> {
  if (mac.length !== AUTH_MAC_BYTES) return false;
  const { seeder, downloader } = roles(by, context.fingerprints);
  const input = proofInput(of === 'seeder' ? PROOF_SEEDER : PROOF_DOWNLOADER, context.keys.privateId, context.nonceD, context.nonceS, seeder, downloader);
  return subtle().verify('HMAC', context.keys.authKey, buf(mac), buf(input));
}

/** A private share link's parts: `#/p/<share id>.<secret>`. */
export function parsePrivateFragment(value: string): { shareId: string; secret: string } {
  const match = /^([0-9a-f]{64})\.(.*)$/.exec(value);
  if (!match) throw new PrivateLinkError('the link does not name a share');
  parsePrivateSecret(match[2]!);
  return { shareId: match[1]!, secret: match[2]! };
}
