/** GET /api/ice-servers as the engine reads it (web/engine/ice-servers.ts): checked, hostile answers refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IceServersError, loadIceServers } from '../../web/engine/ice-servers.js';

const answering = (status: number, body: unknown) => (async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status })) as unknown as typeof fetch;

test('a well-formed answer is taken as it is', async () => {
  const iceServers = [{ urls: ['stun:198.18.0.1:3478'] }, { urls: 'turn:198.18.0.1:3479?transport=udp', username: '1796109444:abc', credential: 'x' }];
  assert.deepEqual(await loadIceServers(answering(200, { iceServers, expiresAt: 1 }), '/api/ice-servers'), iceServers);
});

test('broken or hostile answers are refused with a reason', async () => {
  for (const [status, body] of [
    [500, { iceServers: [] }],
    [200, 'not json'],
    [200, null],
    [200, { iceServers: 'stun:x' }],
    [200, { iceServers: [null] }],
    [200, { iceServers: [{ urls: [] }] }],
    [200, { iceServers: [{ urls: ['javascript:alert(1)'] }] }],
    [200, { iceServers: [{ urls: ['turn:x'], username: { toString: 1 } }] }],
  ] as [number, unknown][]) {
    await assert.rejects(loadIceServers(answering(status, body), '/api/ice-servers'), (error: Error) => error instanceof IceServersError || error instanceof SyntaxError, JSON.stringify(body));
  }
});
