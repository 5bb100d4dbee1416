/**
 * Share metadata: what a share is, and how its id is derived.
 *
 * The id is the SHA-256 (lower-case hex) of the canonical encoding: JSON with the keys in the fixed
 * order below, no white space, UTF-8. Whoever holds the id can check any metadata a peer hands over.
 */
import { chunkCount } from './chunks.js';
import { CHUNK_SIZE, MAX_FILE_SIZE, MAX_METADATA_BYTES, MAX_NAME_LENGTH, MAX_PATH_DEPTH, MAX_PATH_LENGTH, MAX_SHARE_FILES, PROTOCOL_VERSION } from './constants.js';
import { isSha256Hex, toHex } from './hex.js';

/** One file of a multi-file (folder) share: its path inside the folder and its size. */
export interface ShareFile {
  /** Segments joined by `/`; each segment follows the rules of a share name. */
  path: string;
  size: number;
}

export interface ShareMetadata {
  version: number;
  /** The file's name, or the folder's name for a multi-file share. */
  name: string;
  /** MIME type as the sharer's browser reported it; informative only, may be ''. */
  type: string;
  size: number;
  chunkSize: number;
  /** SHA-256 of the share's bytes (a multi-file share's bytes are its files concatenated in order), hex. */
  fileHash: string;
  /** SHA-256 of every chunk in order, hex. */
  chunkHashes: string[];
  /**
   * Present only for a multi-file share: its files in order. Chunks run across file boundaries, as
   * in BitTorrent: the share's bytes are the files concatenated, and `size` is their sum.
   */
  files?: ShareFile[];
}

/** A file of a share with its byte offset in the share. */
export interface PlacedFile extends ShareFile {
  offset: number;
}

/** The files of a share and where each lies in its bytes; a single-file share is one file named `name`. */
export function placeFiles(meta: Pick<ShareMetadata, 'name' | 'size' | 'files'>): PlacedFile[] {
  if (!meta.files) return [{ path: meta.name, size: meta.size, offset: 0 }];
  let offset = 0;
  return meta.files.map((file) => {
    const placed = { path: file.path, size: file.size, offset };
    offset += file.size;
    return placed;
  });
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
    ...(meta.files ? { files: meta.files.map((file) => ({ path: file.path, size: file.size })) } : {}),
  };
  return new TextEncoder().encode(JSON.stringify(canonical));
}

/** The share id: SHA-256 of the canonical encoding, hex. */
export async function computeShareId(meta: ShareMetadata): Promise<string> {
  const bytes = encodeMetadata(meta);
  return toHex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** True if `segment` may be a share name or one segment of a path inside a folder share. */
export function isSafeName(segment: unknown): segment is string {
  return (
    typeof segment === 'string' &&
    segment.length > 0 &&
    segment.length <= MAX_NAME_LENGTH &&
    !/[\u0000-\u001f/\\]/.test(segment) &&
    segment !== '.' &&
    segment !== '..'
  );
}

const KNOWN_MEMBERS = new Set(['version', 'name', 'type', 'size', 'chunkSize', 'fileHash', 'chunkHashes', 'files']);

function validateFiles(value: unknown, size: number): ShareFile[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_SHARE_FILES) {
    throw new MetadataError(`files must be an array of 1..${MAX_SHARE_FILES} entries`);
  }
  const files: ShareFile[] = [];
  const paths = new Set<string>();
  const folders = new Set<string>();
  let total = 0;
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new MetadataError('every file must be an object');
    const { path, size: fileSize } = entry as Record<string, unknown>;
    if (Object.keys(entry).some((key) => key !== 'path' && key !== 'size')) throw new MetadataError('a file has members other than path and size');
    if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH) throw new MetadataError(`a file path must be a string of at most ${MAX_PATH_LENGTH} characters`);
    const segments = path.split('/');
    if (segments.length > MAX_PATH_DEPTH || !segments.every(isSafeName)) {
      throw new MetadataError(`file path ${JSON.stringify(path.slice(0, 80))} is not a relative path of safe names`);
    }
    if (!Number.isSafeInteger(fileSize) || (fileSize as number) < 0) throw new MetadataError('a file size must be a non-negative integer');
    if (paths.has(path) || folders.has(path)) throw new MetadataError(`file path ${JSON.stringify(path.slice(0, 80))} appears twice`);
    for (let i = 1; i < segments.length; i++) {
      const folder = segments.slice(0, i).join('/');
      if (paths.has(folder)) throw new MetadataError(`${JSON.stringify(folder.slice(0, 80))} is both a file and a folder`);
      folders.add(folder);
    }
    paths.add(path);
    total += fileSize as number;
    files.push({ path, size: fileSize as number });
  }
  if (total !== size) throw new MetadataError(`the files add up to ${total} bytes, the share is ${size}`);
  return files;
}

/** Throws MetadataError unless `value` is well-formed metadata within every limit. */
export function validateMetadata(value: unknown): ShareMetadata {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MetadataError('metadata is not an object');
  const m = value as Record<string, unknown>;
  if (m.version !== PROTOCOL_VERSION) throw new MetadataError(`unsupported metadata version ${String(m.version)}`);
  if (typeof m.name !== 'string' || m.name.length === 0 || m.name.length > MAX_NAME_LENGTH) {
    throw new MetadataError('name must be 1..255 characters');
  }
  if (!isSafeName(m.name)) throw new MetadataError('name must not contain control characters or path separators');
  const unknown = Object.keys(m).find((key) => !KNOWN_MEMBERS.has(key));
  if (unknown !== undefined) throw new MetadataError(`unknown metadata member ${JSON.stringify(unknown.slice(0, 40))}`);
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
  const files = m.files === undefined ? undefined : validateFiles(m.files, m.size as number);
  return {
    version: m.version,
    name: m.name,
    type: m.type,
    size: m.size as number,
    chunkSize: m.chunkSize,
    fileHash: m.fileHash,
    chunkHashes: m.chunkHashes as string[],
    ...(files ? { files } : {}),
  };
}

/**
 * Decodes metadata received from an untrusted peer and checks it against the share id the user asked
 * for: a peer (or a signaling server) cannot substitute other content.
 */
export async function decodeVerifiedMetadata(bytes: Uint8Array, shareId: string): Promise<ShareMetadata> {
  if (bytes.byteLength > MAX_METADATA_BYTES) throw new MetadataError('metadata exceeds the size limit');
  // The id is the hash of these very bytes: check it before spending anything on parsing them.
  const id = toHex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  if (id !== shareId) throw new ShareIdMismatchError(`metadata hashes to ${id.slice(0, 12)}…, not the requested share`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new MetadataError('metadata is not UTF-8 JSON');
  }
  const meta = validateMetadata(parsed);
  const canonical = encodeMetadata(meta);
  if (canonical.byteLength !== bytes.byteLength || canonical.some((b, i) => b !== bytes[i])) {
    throw new MetadataError('metadata is not in its canonical encoding');
  }
  return meta;
}
