/**
 * Share metadata: what a share is, and how its id is derived.
 *
 * The id is the SHA-256 (lower-case hex) of the canonical encoding: JSON with the keys in the fixed
 * order below, no white space, UTF-8. Whoever holds the id can check any metadata a peer hands over.
 */
import { chunkCount } from './chunks.js';
import { CHUNK_SIZE, MAX_FILE_SIZE, MAX_METADATA_BYTES, MAX_NAME_LENGTH, PROTOCOL_VERSION } from './constants.js';
import { isSha256Hex, toHex } from './hex.js';

export interface ShareMetadata {
  version: number;
  name: string;
  /** MIME type as the sharer's browser reported it; informative only, may be ''. */
  type: string;
  size: number;
  chunkSize: number;
  /** SHA-256 of the whole file, hex. */
  fileHash: string;
  /** SHA-256 of every chunk in order, hex. */
  chunkHashes: string[];
}

export class MetadataError extends Error {
  override name = 'MetadataError';
}

export class ShareIdMismatchError extends Error {
  override name = 'ShareIdMismatchError';
}

const MAX_TYPE_LENGTH = 255;

/** The canonical encoding: the exact bytes the share id is the hash of. */
export function encodeMetadata(meta: ShareMetadata): Uint8Array {
  const canonical = {
    version: meta.version,
    name: meta.name,
    type: meta.type,
    size: meta.size,
    chunkSize: meta.chunkSize,
    fileHash: meta.fileHash,
    chunkHashes: meta.chunkHashes,
  };
  return new TextEncoder().encode(JSON.stringify(canonical));
}

/** The share id: SHA-256 of the canonical encoding, hex. */
export async function computeShareId(meta: ShareMetadata): Promise<string> {
  const bytes = encodeMetadata(meta);
  return toHex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** Throws MetadataError unless `value` is well-formed metadata within every limit. */
export function validateMetadata(value: unknown): ShareMetadata {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MetadataError('metadata is not an object');
  const m = value as Record<string, unknown>;
  if (m.version !== PROTOCOL_VERSION) throw new MetadataError(`unsupported metadata version ${String(m.version)}`);
  if (typeof m.name !== 'string' || m.name.length === 0 || m.name.length > MAX_NAME_LENGTH) {
    throw new MetadataError('name must be 1..255 characters');
  }
  if (/[\u0000-\u001f/\\]/.test(m.name) || m.name === '.' || m.name === '..') {
    throw new MetadataError('name must not contain control characters or path separators');
  }
  if (typeof m.type !== 'string' || m.type.length > MAX_TYPE_LENGTH) throw new MetadataError('type must be a string of at most 255 characters');
  if (!Number.isSafeInteger(m.size) || (m.size as number) < 0 || (m.size as number) > MAX_FILE_SIZE) {
    throw new MetadataError(`size must be an integer in 0..${MAX_FILE_SIZE}`);
  }
  if (m.chunkSize !== CHUNK_SIZE) throw new MetadataError(`chunkSize must be ${CHUNK_SIZE}`);
  if (!isSha256Hex(m.fileHash)) throw new MetadataError('fileHash must be 64 lower-case hex characters');
  if (!Array.isArray(m.chunkHashes)) throw new MetadataError('chunkHashes must be an array');
  const expected = chunkCount(m.size as number, CHUNK_SIZE);
  if (m.chunkHashes.length !== expected) {
    throw new MetadataError(`chunkHashes has ${m.chunkHashes.length} entries, the size needs ${expected}`);
  }
  for (const hash of m.chunkHashes) if (!isSha256Hex(hash)) throw new MetadataError('every chunk hash must be 64 lower-case hex characters');
  return {
    version: m.version,
    name: m.name,
    type: m.type,
    size: m.size as number,
    chunkSize: m.chunkSize,
    fileHash: m.fileHash,
    chunkHashes: m.chunkHashes as string[],
  };
}

/**
 * Decodes metadata received from an untrusted peer and checks it against the share id the user asked
 * for: a peer (or a signaling server) cannot substitute other content.
 */
export async function decodeVerifiedMetadata(bytes: Uint8Array, shareId: string): Promise<ShareMetadata> {
  if (bytes.byteLength > MAX_METADATA_BYTES) throw new MetadataError('metadata exceeds the size limit');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new MetadataError('metadata is not UTF-8 JSON');
  }
  const meta = validateMetadata(parsed);
  const id = await computeShareId(meta);
  if (id !== shareId) throw new ShareIdMismatchError(`metadata hashes to ${id.slice(0, 12)}…, not the requested share`);
  return meta;
}
