/**
 * TURN's long-term credential check (RFC 5389 10.2) for REST-API usernames (rest-credentials.ts),
 * with stateless nonces bound to the client's 5-tuple (nonce.ts). A request without
 * MESSAGE-INTEGRITY, with a bad or stale nonce, another realm, an expired or unknown username, or a
 * wrong key is refused with the code to answer and whether that answer is a challenge (it then
 * carries REALM and a fresh NONCE, see `challenge`).
 */
import { NonceIssuer } from './nonce.js';
import { passwordForUsername } from './rest-credentials.js';
import { attribute, Attr, integrityMatches, longTermKey, type StunMessage, type StunWriter } from './stun-codec.js';

export type AuthResult =
  | { ok: true; username: string; key: Buffer }
  | { ok: false; code: 400 | 401 | 438; reason: string; challenge: boolean };

export class LongTermAuth {
  readonly #nonces: NonceIssuer;

  constructor(
    private readonly secret: string,
    readonly realm: string,
    private readonly now: () => number,
  ) {
    this.#nonces = new NonceIssuer(undefined, now);
  }

  /** Checks `message` from `client` (its "address|port"). */
  check(message: StunMessage, client: string): AuthResult {
    const refuse = (code: 400 | 401 | 438, reason: string, challenge = true): AuthResult => ({ ok: false, code, reason, challenge });
    const username = attribute(message, Attr.Username)?.toString('utf8');
    const realm = attribute(message, Attr.Realm)?.toString('utf8');
    const nonce = attribute(message, Attr.Nonce)?.toString('utf8');
    if (attribute(message, Attr.MessageIntegrity) === undefined) return refuse(401, 'Unauthorized');
    if (username === undefined || realm === undefined || nonce === undefined) return refuse(400, 'Bad Request: missing USERNAME, REALM or NONCE', false);
    const nonceState = this.#nonces.check(nonce, client);
    if (nonceState === 'stale') return refuse(438, 'Stale Nonce');
    if (nonceState === 'invalid' || realm !== this.realm) return refuse(401, 'Unauthorized');
    const password = passwordForUsername(this.secret, username, this.now());
    if (password === undefined) return refuse(401, 'Unauthorized');
    const key = longTermKey(username, this.realm, password);
    if (!integrityMatches(message, key)) return refuse(401, 'Unauthorized');
    return { ok: true, username, key };
  }

  /** Adds REALM and a fresh NONCE for `client` to an error answer. */
  challenge(reply: StunWriter, client: string): StunWriter {
    return reply.add(Attr.Realm, Buffer.from(this.realm)).add(Attr.Nonce, Buffer.from(this.#nonces.issue(client)));
  }
}
