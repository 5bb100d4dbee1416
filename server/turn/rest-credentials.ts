/**
 * TURN REST API credentials (draft-uberti-behave-turn-rest, as coturn's use-auth-secret): the username
 * is `<expiry unix seconds>:<opaque id>`, the password base64(HMAC-SHA1(secret, username)). The TURN
 * server recomputes the password, so it keeps no user table and no credential outlives its expiry.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface TurnCredential {
  username: string;
  credential: string;
  /** Unix seconds. */
  expiresAt: number;
}

const USERNAME = /^(\d{1,12}):([A-Za-z0-9_-]{1,64})$/;

export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

export function issueTurnCredential(secret: string, ttlSeconds: number, nowMs = Date.now(), id = randomBytes(9).toString('base64url')): TurnCredential {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiresAt}:${id}`;
  return { username, credential: turnPassword(secret, username), expiresAt };
}

/** The password for `username` if it is well-formed and unexpired, else undefined. */
export function passwordForUsername(secret: string, username: unknown, nowMs = Date.now()): string | undefined {
  if (typeof username !== 'string') return undefined;
  const match = USERNAME.exec(username);
  if (!match || Number(match[1]) * 1000 <= nowMs) return undefined;
  return turnPassword(secret, username);
}
