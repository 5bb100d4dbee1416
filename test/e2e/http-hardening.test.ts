/**
 * HTTP hardening of the real server: security headers on every kind of response, operator-only
 * /metrics and /api/health details (a bearer token, or loopback without a proxy), no source maps
 * unless asked for, and the app working in Chromium under its Content-Security-Policy with no
 * violation reported (the hashing workers compile WebAssembly, the page opens its WebSocket).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openApp, randomFile, shareFromDisk, startServer, type RunningServer } from './harness.js';

const TOKEN = 'operator-token-0123456789abcdef';

describe('HTTP hardening', { timeout: 120_000 }, () => {
  let plain: RunningServer;
  let withToken: RunningServer;
  let behindProxy: RunningServer;
  let withMaps: RunningServer;

  before(async () => {
    [plain, withToken, behindProxy, withMaps] = await Promise.all([
      startServer(),
      startServer({ METRICS_TOKEN: TOKEN }),
      startServer({ TRUST_PROXY: '1' }),
      startServer({ SOURCE_MAPS: '1' }),
    ]);
  });
  after(() => Promise.all([plain, withToken, behindProxy, withMaps].map((s) => s?.stop())));

  test('every response carries the security headers; the CSP allows no inline script', async () => {
    for (const path of ['/', '/app.js', '/workers/hasher.js', '/sw.js', '/manifest.webmanifest', '/api/health', '/api/ice-servers', '/api/nope', '/nope.js', '/metrics', '/app.js.map']) {
      const response = await fetch(`${plain.url}${path}`);
      const headers = response.headers;
      const csp = headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/, `${path}: ${csp}`);
      assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\s\*/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /connect-src 'self'/, path);
      assert.match(csp, /worker-src 'self'/, path);
      assert.equal(headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(headers.get('cross-origin-opener-policy'), 'same-origin', path);
      await response.arrayBuffer();
    }
    const index = await (await fetch(plain.url)).text();
    assert.doesNotMatch(index, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script in index.html');
    assert.doesNotMatch(index, /<style/, 'no inline style in index.html');
  });

  test('/metrics and health details: loopback without a proxy, else the bearer token only', async () => {
    assert.equal((await fetch(`${plain.url}/metrics`)).status, 200, 'an operator on the host');
    assert.equal((await (await fetch(`${plain.url}/api/health`)).json()).turn, 'running');

    assert.equal((await fetch(`${withToken.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${withToken.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
    const metrics = await fetch(`${withToken.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /shoal_/);
    assert.deepEqual(await (await fetch(`${withToken.url}/api/health`)).json(), { status: 'ok' }, 'what a load balancer needs');
    const details = await (await fetch(`${withToken.url}/api/health`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    assert.equal(details.turn, 'running');
    assert.equal(typeof details.peers, 'number');

    // Behind a proxy, every request comes from the proxy (here: loopback), so loopback proves nothing.
    assert.equal((await fetch(`${behindProxy.url}/metrics`)).status, 401);
    assert.deepEqual(await (await fetch(`${behindProxy.url}/api/health`)).json(), { status: 'ok' });
  });

  test('source maps are served only with SOURCE_MAPS=1', async () => {
    assert.equal((await fetch(`${plain.url}/app.js.map`)).status, 404);
    assert.equal((await fetch(`${plain.url}/workers/storage.js.map`)).status, 404);
    const map = await fetch(`${withMaps.url}/app.js.map`);
    assert.equal(map.status, 200);
    assert.ok(Array.isArray(((await map.json()) as { sources: unknown }).sources));
  });

  test('the app works under its CSP: it joins, hashes a file in its workers and seeds it, with no violation', async () => {
    const browser = await launchBrowser();
    const file = await randomFile('csp-check.bin', 3 * 1024 * 1024 + 17);
    const reported: string[] = [];
    try {
      browser.page.on('console', (message) => {
        if (/Content[- ]Security[- ]Policy|Refused to/i.test(message.text())) reported.push(message.text());
      });
      await browser.page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => console.error(`Content-Security-Policy violation: ${event.violatedDirective} ${event.blockedURI}`));
      });
      await openApp(browser.page, plain.url);
      const id = await shareFromDisk(browser.page, file.path, 'csp-check.bin');
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.deepEqual(reported, []);
    } finally {
      await browser.close();
      await file.cleanup();
    }
  });
});
