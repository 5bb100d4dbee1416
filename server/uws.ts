/**
 * Loads uWebSockets.js and tells which implementation runs. The package we depend on silently falls
 * back to a slow pure-JS shim when its native binary does not load; only the native module exports
 * the SSL and HTTP/3 apps, so their presence tells the two apart.
 */
import uWS from 'uWebSockets.js';

export type UwsImplementation = 'native' | 'fallback';

export const uwsImplementation: UwsImplementation =
  typeof (uWS as unknown as Record<string, unknown>).SSLApp === 'function' ? 'native' : 'fallback';

export { uWS };
