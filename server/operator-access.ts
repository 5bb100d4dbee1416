/**
 * Who may read what only an operator needs (/metrics, the details of /api/health): a request with
 * `Authorization: Bearer <METRICS_TOKEN>` when a token is set; without one, only a client on
 * loopback that did not come through a proxy (an operator on the host, a sidecar, the tests).
 * Behind a proxy every request arrives from the proxy, often on loopback, so there a token is the
 * only way in. The token is compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isLoopbackAddress } from './client-address.js';

export interface OperatorAccessOptions {
  token: string | undefined;
  trustedProxyHops: number;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Copy the socket address and the Authorization header out of the request first (uWS lifetimes). */
export function isOperator(options: OperatorAccessOptions, socketAddress: string, authorization: string): boolean {
  if (options.token !== undefined) {
    const presented = /^Bearer\s+(\S+)$/i.exec(authorization.trim())?.[1] ?? '';
    return timingSafeEqual(digest(presented), digest(options.token));
  }
  return options.trustedProxyHops === 0 && isLoopbackAddress(socketAddress);
}
