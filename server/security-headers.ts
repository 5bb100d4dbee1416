/**
 * Headers on every HTTP response. The Content-Security-Policy allows only the app's own scripts
 * (no inline script, no eval; WebAssembly compilation for hash-wasm's SHA-256), its own workers,
 * and connections to its own origin (the /signaling WebSocket included: CSP 3 'self' matches ws:
 * and wss: of the same host). Share links carry share ids, so no Referer leaves the page; the app
 * is never framed (clickjacking a Download or Remove button).
 */
import type { HttpResponse } from 'uWebSockets.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['content-security-policy', CONTENT_SECURITY_POLICY],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['x-frame-options', 'DENY'],
  ['permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()'],
];

/** Writes the security headers; call inside res.cork, after writeStatus. */
export function writeSecurityHeaders(res: HttpResponse): HttpResponse {
  for (const [name, value] of SECURITY_HEADERS) res.writeHeader(name, value);
  return res;
}
