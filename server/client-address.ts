/**
 * Who a client is, as far as the server can tell: the socket's address, or behind trusted proxies the
 * X-Forwarded-For entry the nearest trusted proxy appended. Entries left of that one came from the
 * client (or from proxies we do not trust) and can say anything, so they are never used.
 */
import { isIP } from 'node:net';

/** uWS prints IPv4 peers as IPv4-mapped IPv6 text; normalise to the plain dotted form. */
export function normaliseAddress(text: string): string {
  const lower = text.toLowerCase();
  const mapped = /^(?:0{1,4}:){5}ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower) ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return lower.replace(/^::ffff:/, '');
}

/**
 * The client address. With `trustedHops` = 0 it is the socket's. With N trusted proxies in front of
 * us, each appending the address it received from, the client is the Nth X-Forwarded-For entry
 * counted from the right (as Express's `trust proxy` = N): the last entry was written by the proxy
 * that talks to us, and everything further left was written by whoever talked to that proxy. A
 * header shorter than N, or an entry that is not an address, falls back to the socket's address:
 * such a request did not come through the proxies we were told about.
 */
export function clientAddress(socketAddress: string, forwardedFor: string, trustedHops: number): string {
  if (trustedHops > 0) {
    const entries = forwardedFor.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    const entry = entries.length >= trustedHops ? entries[entries.length - trustedHops]! : '';
    if (isIP(entry)) return normaliseAddress(entry);
  }
  return normaliseAddress(socketAddress);
}

/** 127/8 or ::1, in any spelling uWS gives (IPv4-mapped, zero-padded). */
export function isLoopbackAddress(socketAddress: string): boolean {
  const address = normaliseAddress(socketAddress);
  if (isIP(address) === 4) return address.startsWith('127.');
  return /^(0{1,4}:){7}0{0,3}1$/.test(address) || address === '::1';
}
