/**
 * Stateless nonces: a nonce is its issue time and an HMAC of that time and the client's transport
 * address, so the server stores nothing per unauthenticated request (node-turn kept every nonce with
 * a one-hour timer, and a 401 flood grew its heap without bound). A nonce is valid for NONCE_TTL_MS
 * from the address it was issued to; after that the client gets 438 Stale Nonce and retries.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const NONCE_TTL_MS = 10 * 60_000;

export class NonceIssuer {
  readonly #key: Buffer;

  constructor(key: Buffer = randomBytes(32), private readonly now: () => number = Date.now) {
    this.#key = key;
  }

  issue(client: string): string {
    const time = Math.floor(this.now() / 1000).toString(36);
    return `${time}.${this.#mac(time, client)}`;
  }

  /** 'valid', 'stale' (well-formed, ours, expired) or 'invalid'. */
  check(nonce: string, client: string): 'valid' | 'stale' | 'invalid' {
    const match = /^([0-9a-z]{1,10})\.([A-Za-z0-9_-]{22})$/.exec(nonce);
    if (!match) return 'invalid';
    const expected = Buffer.from(this.#mac(match[1]!, client));
    const given = Buffer.from(match[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    const issuedMs = parseInt(match[1]!, 36) * 1000;
    return this.now() - issuedMs > NONCE_TTL_MS || issuedMs > this.now() + 60_000 ? 'stale' : 'valid';
  }

  #mac(time: string, client: string): string {
    return createHmac('sha256', this.#key).update(`${time}|${client}`).digest().subarray(0, 16).toString('base64url');
  }
}
