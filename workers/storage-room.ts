/**
 * Room for share bytes: the browser's estimate (bounded in time), and the refusals of a write for
 * lack of room told apart: a full disk, or a private window's in-memory store (which the quota does
 * not know; once it refused, its limit is remembered and checked before the next copy).
 */
import type { ByteFile } from './byte-store.js';
import { StorageFullError, StorageQuotaError } from './storage-errors.js';

/** Write failures that mean "no room": quota exceeded, or the OS's ENOSPC surfacing as an I/O error. */
export function isOutOfSpace(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'QuotaExceededError' || error.name === 'InvalidStateError' || error.name === 'NoModificationAllowedError' || error.name === 'UnknownError');
}

/** Bytes this storage refused to go past while its quota claimed far more (a private window's real limit). */
let measuredLimit: number | undefined;

const mib = (n: number) => `${Math.ceil(n / 2 ** 20)} MiB`;

/**
 * Errors for a write refused for lack of room, saying which limit it met.
 *
 * `navigator.storage.estimate()` cannot tell: Chromium reports a bucketed figure from the disk's size,
 * not its free space (1 GiB on a 112 MiB disk, 10 GiB on a full 20 GB one and in a private window alike).
 * The refusal itself can. A full disk is refused by the quota manager with a QuotaExceededError; a
 * private window's in-memory storage, whose real limit the quota does not know, fails inside the
 * operation: a write returns a count larger than it was asked to write (the backend's error code read
 * as a count: 2^32−8 here, Chromium 156), a truncate returns and leaves the size as it was. Only that
 * second kind is called a private window.
 */
/** How long the browser may take to say how much room there is before the answer counts as unknown. */
const ESTIMATE_TIMEOUT_MS = 10_000;

/**
 * The browser's storage estimate, or an empty one when it throws or does not answer in time: the
 * checks that use it then let the write itself find out, rather than wait forever.
 */
function storageEstimate(): Promise<StorageEstimate> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<StorageEstimate>((resolve) => (timer = setTimeout(() => resolve({}), ESTIMATE_TIMEOUT_MS)));
  const answer = navigator.storage.estimate().catch(() => ({}) as StorageEstimate);
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

export function diskFull(error: unknown): StorageFullError {
  return new StorageFullError(`the disk is full (${(error as Error).name}: ${(error as Error).message})`);
}

/** A write that returned `written` of `asked` bytes: an impossible count is the in-memory store's refusal. */
export async function shortWrite(written: number, asked: number): Promise<StorageFullError> {
  if (written <= asked && written >= 0) return new StorageFullError(`the disk is full (wrote ${written} of ${asked} bytes)`);
  const { quota = 0, usage = 0 } = await storageEstimate();
  measuredLimit = usage;
  return new StorageFullError(privateWindowMessage(`refused more after ${mib(usage)}`, quota));
}

function privateWindowMessage(refusal: string, claimed: number): string {
  return (
    `this looks like a private window: it keeps files in memory and ${refusal}, although it reports ${(claimed / 1e9).toFixed(1)} GB free. ` +
    'A normal window or the installed app has far more room; files shared from disk (dropped, or picked with Share files) are read where they are and need none of it'
  );
}

/**
 * Grows a new copy to its full size before its bytes go in, so a lack of room is known at once, not
 * after minutes of copying: a full disk refuses the truncate; a private window's in-memory store
 * returns without growing the file.
 */
export async function reserve(target: ByteFile, bytes: number): Promise<void> {
  try {
    await target.truncate(bytes);
  } catch (error) {
    if (isOutOfSpace(error)) throw diskFull(error);
    throw error;
  }
  if (target.size() === bytes) return;
  const { quota = 0 } = await storageEstimate();
  throw new StorageFullError(privateWindowMessage(`could not make room for ${mib(bytes)}`, quota));
}

/** Refuses a copy of `bytes` up front when the browser's quota (or a private window's measured limit) has no room for it. */
export async function ensureSpace(bytes: number): Promise<void> {
  const { quota = Infinity, usage = 0 } = await storageEstimate();
  if (measuredLimit !== undefined && usage + bytes > measuredLimit) {
    throw new StorageQuotaError(`Not enough browser storage: ${mib(bytes)} needed, ${mib(Math.max(0, measuredLimit - usage))} free — ${privateWindowMessage(`refused more after ${mib(measuredLimit)}`, quota)}.`);
  }
  if (usage + bytes > quota) {
    throw new StorageQuotaError(`Not enough browser storage: ${mib(bytes)} needed, ${mib(quota - usage)} free. Remove some shares and try again.`);
  }
}
