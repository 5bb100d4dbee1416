/**
 * Hostile traffic against the live server while two honest clients keep talking: several sockets
 * send thousands of malformed frames (bad JSON, wrong types, huge strings, deep nesting, binary,
 * unknown types, spoofed `from`, messages to peers of other rooms, floods), reconnecting whenever
 * they are closed. The server stays up, honest clients see no error and no latency beyond a bound,
 * and offenders get typed errors and are closed when they keep on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { startServer, type RunningServer } from './harness.js';
import { connectSignaling as open } from './ws-client.js';

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

describe('hostile traffic while honest clients talk', { timeout: 120_000 }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.stop());

  test('the server stays up; honest clients see no error and bounded latency; offenders are refused and closed', async (t) => {
    const a = await open(server);
    const b = await open(server);
    a.ws.send(JSON.stringify({ type: 'join-room', room: 'honest', name: 'a' }));
    const aId = (await a.next('welcome')).peerId as string;
    b.ws.send(JSON.stringify({ type: 'join-room', room: 'honest', name: 'b' }));
    const bId = (await b.next('welcome')).peerId as string;
    // B answers every offer; A measures round trips through the server.
    b.ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'offer') b.ws.send(JSON.stringify({ type: 'answer', to: m.from, sdp: m.sdp }));
    });
    const roundTrip = async () => {
      const started = performance.now();
      a.ws.send(JSON.stringify({ type: 'offer', to: bId, sdp: `v=0 ${started}` }));
      const answer = await a.next('answer');
      assert.equal(answer.from, bId);
      return performance.now() - started;
    };
    const measure = async (count: number) => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        times.push(await roundTrip());
        await new Promise((r) => setTimeout(r, 60)); // stay under the 20 messages/s budget
      }
      return times;
    };
    const baseline = await measure(20);

    const deep = '['.repeat(30_000) + ']'.repeat(30_000);
    const huge = JSON.stringify({ type: 'offer', to: bId, sdp: 'x'.repeat(60_000) });
    const hostile: (string | Buffer)[] = [
      '{', 'null', '[]', '"x"', '{"type":7}', '{"type":"offer","to":5,"sdp":"v=0"}', deep, huge,
      Buffer.from([0, 1, 2, 3]), '{"type":"launch-missiles"}', JSON.stringify({ type: 'offer', to: bId, from: bId, sdp: 'spoof' }),
      JSON.stringify({ type: 'ice-candidate', to: aId, candidate: { candidate: 'x', sdpMLineIndex: 9999 } }), JSON.stringify({ type: 'announce-file', shares: 'many' }),
    ];
    let sent = 0;
    let refusals = 0;
    let closedByServer = 0;
    let attacking = true;
    const attacker = async () => {
      while (attacking) {
        const evil = await open(server);
        evil.ws.on('message', (data) => {
          if (JSON.parse(String(data)).type === 'error') refusals++;
        });
        evil.ws.send(JSON.stringify({ type: 'join-room', room: 'evil' }));
        for (let i = 0; i < 200 && evil.ws.readyState === WebSocket.OPEN; i++) {
          const frame = hostile[i % hostile.length]!;
          evil.ws.send(frame, { binary: Buffer.isBuffer(frame) });
          sent++;
        }
        if ((await evil.closed) === 1008) closedByServer++;
      }
    };
    const logLinesBefore = server.log().split('\n').length;
    const attackers = Array.from({ length: 6 }, attacker);
    const during = await measure(40);
    attacking = false;
    await Promise.all(attackers);

    t.diagnostic(`${sent} hostile frames; ${refusals} typed refusals; ${closedByServer} offender sockets closed (1008)`);
    t.diagnostic(`honest round trip p50/p99: before ${percentile(baseline, 0.5).toFixed(1)}/${percentile(baseline, 0.99).toFixed(1)} ms, during ${percentile(during, 0.5).toFixed(1)}/${percentile(during, 0.99).toFixed(1)} ms`);
    assert.ok(sent >= 2000, `thousands of hostile frames (${sent})`);
    assert.ok(refusals > 0 && closedByServer >= 6, 'offenders got errors and were closed');
    const logLines = server.log().split('\n').length - logLinesBefore;
    assert.ok(logLines < 100, `the offenders made the server write ${logLines} log lines (closing ${closedByServer} of them)`);
    assert.ok(percentile(during, 0.99) < 250, `honest latency stays bounded (p99 ${percentile(during, 0.99).toFixed(1)} ms)`);
    assert.deepEqual([...a.inbox, ...b.inbox].filter((m) => m.type === 'error'), [], 'honest clients saw no error');
    assert.ok(![...b.inbox].some((m) => m.type === 'offer' && m.sdp === 'spoof'), 'nothing crossed from the other room');
    const health = await (await fetch(`${server.url}/api/health`)).json();
    assert.equal(health.status, 'ok');
    a.ws.close();
    b.ws.close();
  });
});
