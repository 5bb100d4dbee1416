/**
 * What one client address can make the STUN/TURN process hold or write, against the real process
 * with the Docker image's 100-port relay range (49160-49259 there; a free range here):
 * - the EVEN-PORT(R) reservation loop (Allocate reserving a second port, Refresh 0, again) and two
 *   addresses filling the range with many source ports and free credentials both leave an honest
 *   client able to allocate;
 * - a configuration that would let one address take more than a tenth of the ports does not start;
 * - 10,000 well-formed Binding requests that node-turn complains about write fewer than 100 lines.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Attr, Class, lifetimeValue, Method, StunWriter } from '../../server/turn/stun-codec.js';
import { startServer, type RunningServer } from './harness.js';
import { errorCode, TestTurnClient, turnCredential } from './turn-client.js';

const UDP_TRANSPORT = Buffer.from([17, 0, 0, 0]);
const EVEN_PORT_RESERVE = Buffer.from([0x80]);
const RELAY_PORTS = '47100-47199';
const ICE_CONTROLLING = 0x802a;

type Outcome = 'ok' | number | undefined;
async function tryAllocate(client: TestTurnClient, reserve = false): Promise<Outcome> {
  const answer = await client.authed(Method.Allocate, (w) => {
    w.add(Attr.RequestedTransport, UDP_TRANSPORT);
    if (reserve) w.add(Attr.EvenPort, EVEN_PORT_RESERVE);
  });
  return answer.class === Class.Success ? 'ok' : errorCode(answer);
}

describe('one client address cannot take the relay', { timeout: 120_000 }, () => {
  let server: RunningServer;
  const clients: TestTurnClient[] = [];
  const open = async (address: string, credential?: Awaited<ReturnType<typeof turnCredential>>) => {
    const client = await TestTurnClient.open(server.turnPort, credential ?? (await turnCredential(server.url)), address);
    clients.push(client);
    return client;
  };
  const closeAll = async () => {
    for (const client of clients.splice(0)) {
      await client.authed(Method.Refresh, (w) => w.add(Attr.Lifetime, lifetimeValue(0))).catch(() => undefined);
      client.close();
    }
  };

  before(async () => {
    server = await startServer({ TURN_RELAY_PORTS: RELAY_PORTS });
  });
  after(async () => {
    await closeAll();
    await server?.stop();
  });

  test('the EVEN-PORT reservation loop from one 5-tuple leaves an honest client able to allocate', async (t) => {
    const attacker = await open('127.0.0.2');
    let granted = 0;
    const refusals = new Map<Outcome, number>();
    for (let i = 0; i < 300; i++) {
      const outcome = await tryAllocate(attacker, true);
      if (outcome === 'ok') granted++;
      else refusals.set(outcome, (refusals.get(outcome) ?? 0) + 1);
      // Give the allocation back at once; its reserved twin port stays held for 30 s.
      await attacker.authed(Method.Refresh, (w) => w.add(Attr.Lifetime, lifetimeValue(0)));
    }
    t.diagnostic(`reservation loop: ${granted} of 300 Allocate(EVEN-PORT R) granted; refusals ${JSON.stringify([...refusals])}`);
    // Each grant leaves a reserved port held for 30 s after its allocation is given back.
    assert.ok(granted <= 10, `at most a tenth of the 100 ports held by one address, got ${granted} reservations`);
    const honest = await open('127.0.0.9');
    assert.equal(await tryAllocate(honest), 'ok', 'an honest client still gets a relay port');
    await closeAll();
  });

  test('two addresses with many source ports and credentials leave an honest client able to allocate', async (t) => {
    const held: Record<string, number> = {};
    for (const address of ['127.0.0.3', '127.0.0.4']) {
      held[address] = 0;
      for (let i = 0; i < 60; i++) {
        const client = await open(address); // a new source port and a new free credential each time
        if ((await tryAllocate(client)) === 'ok') held[address]++;
      }
    }
    t.diagnostic(`two-address fill: allocations held ${JSON.stringify(held)}`);
    for (const [address, count] of Object.entries(held)) assert.ok(count <= 10, `${address} holds ${count} of 100 ports`);
    const honest = await open('127.0.0.9');
    assert.equal(await tryAllocate(honest), 'ok', 'an honest client still gets a relay port');
    await closeAll();
  });

  test('Allocate requests from one address are rate-limited after a burst of its quota', async () => {
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 30; i++) {
      const client = await open('127.0.0.5');
      outcomes.push(await tryAllocate(client));
      await client.authed(Method.Refresh, (w) => w.add(Attr.Lifetime, lifetimeValue(0)));
    }
    const granted = outcomes.filter((o) => o === 'ok').length;
    assert.ok(granted >= 10 && granted <= 14, `a burst of 10 then about 2/s, got ${granted} of 30: ${outcomes.join(',')}`);
    assert.equal(outcomes.at(-1), 486);
    await closeAll();
  });

  test('a per-client quota above a tenth of the port range refuses to start', async () => {
    await assert.rejects(startServer({ TURN_RELAY_PORTS: RELAY_PORTS, TURN_CLIENT_QUOTA: '64' }), /TURN_CLIENT_QUOTA=64 would let one address hold more than 10% of the 100 relay ports/);
  });
});

describe('the STUN port cannot flood the log', { timeout: 60_000 }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.stop());

  test('10,000 Binding requests with attributes node-turn chokes on write fewer than 100 lines; STUN still answers', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const answers = { count: 0 };
    socket.on('message', () => answers.count++);
    const linesBefore = server.log().split('\n').length;
    for (let i = 0; i < 10_000; i++) {
      // Well-formed STUN that node-turn 0.0.6 throws on and logs: a zero-length MAPPED-ADDRESS, or ICE-CONTROLLING.
      const attribute = i % 2 === 0 ? Attr.MappedAddress : ICE_CONTROLLING;
      const request = new StunWriter(Method.Binding, Class.Request, randomBytes(12)).add(attribute, Buffer.alloc(0)).encode();
      socket.send(request, server.stunPort, '127.0.0.1');
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 1500));
    socket.close();
    const written = server.log().split('\n').length - linesBefore;
    assert.ok(written < 100, `10,000 datagrams wrote ${written} lines:\n${server.log().split('\n').slice(-5).join('\n')}`);
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { status: string };
    assert.equal(health.status, 'ok', 'still up');
    // An honest Binding request is still answered with the client's reflexive address.
    const honest = createSocket('udp4');
    await new Promise<void>((resolve) => honest.bind(0, '127.0.0.1', resolve));
    const answered = new Promise<Buffer>((resolve) => honest.once('message', resolve));
    honest.send(new StunWriter(Method.Binding, Class.Request, randomBytes(12)).add(Attr.Software, Buffer.from('test')).encode(), server.stunPort, '127.0.0.1');
    const answer = await Promise.race([answered, new Promise<undefined>((r) => setTimeout(r, 2000))]);
    honest.close();
    assert.ok(answer, 'no answer to an honest Binding request');
    assert.equal(answer.readUInt16BE(0), 0x0101, 'a Binding success response');
  });
});
