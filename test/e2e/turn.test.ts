/**
 * The embedded STUN/TURN process against real clients: Debian coturn's turnutils_stunclient and
 * turnutils_uclient (client-to-client, several clients, channels and Send indications) with
 * credentials from /api/ice-servers, and one regression test per node-turn 0.0.6 defect listed in
 * issue 4, each driven by a raw UDP client over loopback.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { attribute, Attr, Class, decodeStun, decodeXorAddress, encodeXorAddress, integrityMatches, lifetimeValue, Method, StunWriter } from '../../server/turn/stun-codec.js';
import { startServer, type RunningServer } from './harness.js';
import { errorCode, TestTurnClient, turnCredential } from './turn-client.js';

const run = promisify(execFile);
const UDP_TRANSPORT = Buffer.from([17, 0, 0, 0]);

function turnChild(server: RunningServer): { pid: number; rssKiB: () => number } {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === server.process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('turn-process')) {
        return { pid: Number(entry), rssKiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0) };
      }
    } catch {
      // gone
    }
  }
  throw new Error('TURN child process not found');
}

async function allocate(client: TestTurnClient, extra: (w: StunWriter) => void = () => undefined) {
  const answer = await client.authed(Method.Allocate, (w) => {
    w.add(Attr.RequestedTransport, UDP_TRANSPORT);
    extra(w);
  });
  assert.equal(answer.class, Class.Success, `Allocate answered ${errorCode(answer)}`);
  return { answer, relayed: decodeXorAddress(attribute(answer, Attr.XorRelayedAddress)!, answer.transactionId)! };
}

/** A plain UDP "peer" on loopback. */
async function peer() {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const received: Buffer[] = [];
  socket.on('message', (d) => received.push(d));
  return { socket, port: socket.address().port, received };
}

const settle = (ms = 200) => new Promise((r) => setTimeout(r, ms));

describe('STUN/TURN with real clients', { timeout: 240_000 }, () => {
  let server: RunningServer;

  before(async () => {
    server = await startServer({ TURN_USER_QUOTA: '16' });
  });
  after(() => server?.stop());

  test('turnutils_stunclient gets its reflexive address from the STUN port', async () => {
    const { stdout, stderr } = await run('turnutils_stunclient', ['-p', String(server.stunPort), '127.0.0.1'], { timeout: 20_000 });
    assert.match(stdout + stderr, /UDP reflexive addr: 127\.0\.0\.1:\d+/);
  });

  for (const [what, flags] of [
    ['channels, with RTCP reservations', ['-y']],
    ['channels, no RTCP', ['-y', '-c']],
    ['Send indications', ['-y', '-s']],
    ['extra permission and channel requests, DONT-FRAGMENT', ['-y', '-g', '-G']],
  ] as const) {
    test(`turnutils_uclient client-to-client, 4 clients, ${what}`, async () => {
      const { username, credential } = await turnCredential(server.url);
      const { stdout, stderr } = await run('turnutils_uclient', ['-u', username, '-w', credential, '-p', String(server.turnPort), ...flags, '-n', '50', '-m', '4', '-l', '200', '-e', '127.0.0.1', '127.0.0.1'], { timeout: 60_000 });
      const out = stdout + stderr;
      const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/m.exec(out.split('\n').filter((l) => /start_mclient: tot_send_msgs/.test(l)).at(-1) ?? '');
      assert.ok(totals, `uclient reported totals:\n${out.slice(-1500)}`);
      const [sent, received] = [Number(totals[1]), Number(totals[2])];
      assert.equal(sent, 200);
      assert.ok(received / sent >= 0.99, `delivered ${received} of ${sent}`);
      // -G adds ChannelBinds to random IPv6 peers: on an IPv4 relay those get 443 (RFC 6156), as from coturn.
      const errors = (out.match(/error \d{3}[^\n]*/g) ?? []).filter((e) => !((flags as readonly string[]).includes('-G') && e.startsWith('error 443')));
      assert.deepEqual(errors, [], 'no other error responses');
    });
  }

  test('1: ChannelData from the client is relayed; ChannelBind success carries MESSAGE-INTEGRITY', async () => {
    const client = await TestTurnClient.open(server.turnPort, await turnCredential(server.url));
    const target = await peer();
    try {
      await allocate(client);
      const exact = await client.authed(Method.ChannelBind, (w) =>
        w.add(Attr.ChannelNumber, Buffer.from([0x40, 0x02, 0, 0])).add(Attr.XorPeerAddress, encodeXorAddress({ family: 4, address: '127.0.0.1', port: target.port }, Buffer.alloc(12))),
      );
      assert.equal(exact.class, Class.Success, `ChannelBind answered ${errorCode(exact)}`);
      assert.ok(integrityMatches(exact, client.key), 'ChannelBind success has a valid MESSAGE-INTEGRITY');
      const data = Buffer.from('through the channel');
      const frame = Buffer.concat([Buffer.from([0x40, 0x02, 0, data.length]), data]);
      client.sendRaw(frame);
      await settle();
      assert.deepEqual(target.received.map(String), ['through the channel']);
    } finally {
      client.close();
      target.socket.close();
    }
  });

  test('2: LIFETIME is honoured and clamped; Refresh keeps the allocation alive', async () => {
    const client = await TestTurnClient.open(server.turnPort, await turnCredential(server.url));
    try {
      const { answer } = await allocate(client, (w) => w.add(Attr.Lifetime, lifetimeValue(1200)));
      assert.equal(attribute(answer, Attr.Lifetime)!.readUInt32BE(0), 1200);
      const refresh = await client.authed(Method.Refresh, (w) => w.add(Attr.Lifetime, lifetimeValue(999_999)));
      assert.equal(refresh.class, Class.Success);
      assert.equal(attribute(refresh, Attr.Lifetime)!.readUInt32BE(0), 3600, 'clamped to the maximum, not 0');
      await settle(300);
      const again = await client.authed(Method.Refresh, (w) => w.add(Attr.Lifetime, lifetimeValue(600)));
      assert.equal(again.class, Class.Success, 'the allocation still exists after a refresh');
    } finally {
      client.close();
    }
  });

  test('3: EVEN-PORT and unknown comprehension-optional attributes are fine; unknown required ones get 420', async () => {
    const client = await TestTurnClient.open(server.turnPort, await turnCredential(server.url));
    try {
      const { relayed } = await allocate(client, (w) => w.add(Attr.EvenPort, Buffer.from([0, 0, 0, 0]).subarray(0, 1)).add(0x8123, Buffer.from('optional')));
      assert.equal(relayed.port % 2, 0, 'an even relay port');
      const other = await TestTurnClient.open(server.turnPort, client.credential);
      const refused = await other.request(Method.Allocate, (w) => w.add(Attr.RequestedTransport, UDP_TRANSPORT).add(0x0033, Buffer.from('required')));
      assert.equal(errorCode(refused), 420);
      assert.equal(attribute(refused, Attr.UnknownAttributes)!.readUInt16BE(0), 0x0033);
      other.close();
    } finally {
      client.close();
    }
  });

  test('4: a second Allocate from the same 5-tuple gets 437; a retransmission gets the first answer', async () => {
    const client = await TestTurnClient.open(server.turnPort, await turnCredential(server.url));
    try {
      const first = await allocate(client);
      const retransmit = await client.request(Method.Allocate, (w) => w.add(Attr.RequestedTransport, UDP_TRANSPORT), { auth: true, transactionId: first.answer.transactionId });
      assert.deepEqual(retransmit.raw, first.answer.raw, 'same answer to the same transaction');
      const second = await client.authed(Method.Allocate, (w) => w.add(Attr.RequestedTransport, UDP_TRANSPORT));
      assert.equal(errorCode(second), 437);
    } finally {
      client.close();
    }
  });

  test('5: Refresh(0) closes the relay socket at once; nothing more is forwarded', async () => {
    const client = await TestTurnClient.open(server.turnPort, await turnCredential(server.url));
    const sender = await peer();
    try {
      const { relayed } = await allocate(client);
      const permit = await client.authed(Method.CreatePermission, (w) => w.add(Attr.XorPeerAddress, encodeXorAddress({ family: 4, address: '127.0.0.1', port: sender.port }, Buffer.alloc(12))));
      assert.ok(permit.class === Class.Success || permit.class === Class.Error);
      const release = await client.authed(Method.Refresh, (w) => w.add(Attr.Lifetime, lifetimeValue(0)));
      assert.equal(attribute(release, Attr.Lifetime)!.readUInt32BE(0), 0);
      await settle();
      // The port is free again: we can bind it ourselves, which a leaked socket would prevent.
      const probe = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.bind(relayed.port, '127.0.0.1', () => resolve());
      });
      probe.close();
      const after = await client.authed(Method.Refresh, (w) => w.add(Attr.Lifetime, lifetimeValue(600)));
      assert.equal(errorCode(after), 437, 'no allocation left');
    } finally {
      client.close();
      sender.socket.close();
    }
  });

  test('6: one user cannot take every relay port (quota, 486)', async () => {
    const credential = await turnCredential(server.url);
    const clients: TestTurnClient[] = [];
    try {
      const codes: (number | undefined)[] = [];
      for (let i = 0; i < 18; i++) {
        const client = await TestTurnClient.open(server.turnPort, credential);
        clients.push(client);
        const answer = await client.authed(Method.Allocate, (w) => w.add(Attr.RequestedTransport, UDP_TRANSPORT));
        codes.push(answer.class === Class.Success ? 200 : errorCode(answer));
      }
      assert.deepEqual(codes, [...Array(16).fill(200), 486, 486], 'the server was started with TURN_USER_QUOTA=16');
    } finally {
      for (const client of clients) {
        await client.authed(Method.Refresh, (w) => w.add(Attr.Lifetime, lifetimeValue(0))).catch(() => undefined);
        client.close();
      }
    }
  });

  test('7: tiny datagrams to the TURN port and to a relay port cannot kill the process', async () => {
    const child = turnChild(server);
    const client = await TestTurnClient.open(server.turnPort, await turnCredential(server.url));
    try {
      const { relayed } = await allocate(client);
      const junk = [Buffer.alloc(0), Buffer.from([0x40]), Buffer.from([0x40, 0x00]), Buffer.from([0x7f, 0xff, 0xff]), Buffer.from([0x00]), Buffer.from([0x01, 0x01, 0x00])];
      for (const datagram of junk) {
        client.sendRaw(datagram);
        client.sendRaw(datagram, relayed.port);
      }
      await settle(300);
      assert.equal(turnChild(server).pid, child.pid, 'the TURN process was not restarted');
      const binding = await client.request(Method.Binding);
      assert.equal(binding.class, Class.Success, 'and still answers');
    } finally {
      client.close();
    }
  });

  test('8: usernames naming Object.prototype members get no allocation', async () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      const client = await TestTurnClient.open(server.turnPort, { username: name, credential: String(({} as Record<string, unknown>)[name]) });
      const answer = await client.authed(Method.Allocate, (w) => w.add(Attr.RequestedTransport, UDP_TRANSPORT));
      assert.equal(errorCode(answer), 401, name);
      client.close();
    }
  });

  test('9: an unauthenticated Allocate flood does not grow the heap; attribute floods are refused', async (t) => {
    const child = turnChild(server);
    const client = await TestTurnClient.open(server.turnPort);
    try {
      const before = child.rssKiB();
      for (let i = 0; i < 20_000; i++) {
        const id = Buffer.alloc(12);
        id.writeUInt32BE(i, 8); // a new transaction each time: each one is answered 401 with a nonce
        client.sendRaw(new StunWriter(Method.Allocate, Class.Request, id).add(Attr.RequestedTransport, UDP_TRANSPORT).encode());
        if (i % 500 === 0) await settle(5);
      }
      await settle(500);
      const growthMiB = (child.rssKiB() - before) / 1024;
      t.diagnostic(`TURN process RSS growth after 20,000 unauthenticated Allocates: ${growthMiB.toFixed(1)} MiB`);
      assert.ok(growthMiB < 20, `RSS grew ${growthMiB.toFixed(1)} MiB after 20,000 unauthenticated Allocates`);
      // 16,000 attributes in one datagram: refused by the decoder's bound, and the server answers at once after.
      const flood = Buffer.alloc(20 + 16_000 * 4);
      flood.writeUInt16BE(0x0003, 0);
      flood.writeUInt16BE(16_000 * 4, 2);
      flood.writeUInt32BE(0x2112a442, 4);
      for (let i = 0; i < 16_000; i++) flood.writeUInt16BE(0x8022, 20 + i * 4);
      const integrityFlood = Buffer.from(flood);
      for (let i = 0; i < 16_000; i++) integrityFlood.writeUInt16BE(0x0008, 20 + i * 4);
      assert.equal((decodeStun(flood) as { reason?: string }).reason, 'too many attributes');
      assert.equal((decodeStun(integrityFlood) as { reason?: string }).reason, 'too many attributes');
      for (let i = 0; i < 20; i++) {
        client.sendRaw(flood);
        client.sendRaw(integrityFlood);
        client.sendRaw(flood, server.stunPort);
      }
      const binding = await client.request(Method.Binding);
      assert.equal(binding.class, Class.Success);
    } finally {
      client.close();
    }
  });

  test('10: relays to private, link-local and metadata addresses are refused (403), other families get 443', async () => {
    const client = await TestTurnClient.open(server.turnPort, await turnCredential(server.url));
    try {
      await allocate(client);
      for (const address of ['10.0.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '224.0.0.1']) {
        const id = Buffer.alloc(12, 3);
        const answer = await client.request(Method.CreatePermission, (w) => w.add(Attr.XorPeerAddress, encodeXorAddress({ family: 4, address, port: 9 }, id)), { auth: true, transactionId: id });
        assert.equal(errorCode(answer), 403, address);
      }
      const id6 = Buffer.alloc(12, 6);
      const v6 = await client.request(Method.CreatePermission, (w) => w.add(Attr.XorPeerAddress, encodeXorAddress({ family: 6, address: '2001:db8::1', port: 9 }, id6)), { auth: true, transactionId: id6 });
      assert.equal(errorCode(v6), 443, 'an IPv6 peer on an IPv4 relay');
    } finally {
      client.close();
    }
  });
});

describe('relay to relay, with loopback refused as in production', { timeout: 60_000 }, () => {
  let server: RunningServer;

  before(async () => {
    server = await startServer({ TURN_ALLOW_LOOPBACK: '0' });
  });
  after(() => server?.stop());

  /** The next Data indication's (or ChannelData's) payload and peer, skipping anything else. */
  async function nextRelayed(client: TestTurnClient): Promise<{ data: string; peer?: string } | undefined> {
    for (;;) {
      const raw = await client.receiveRaw(1000);
      if (!raw) return undefined;
      if (raw[0]! >= 0x40 && raw[0]! <= 0x7f) return { data: raw.subarray(4, 4 + raw.readUInt16BE(2)).toString() };
      const decoded = decodeStun(raw);
      if (!decoded.ok || decoded.message.method !== Method.Data) continue;
      const peer = decodeXorAddress(attribute(decoded.message, Attr.XorPeerAddress)!, decoded.message.transactionId)!;
      return { data: attribute(decoded.message, Attr.Data)!.toString(), peer: `${peer.address}:${peer.port}` };
    }
  }

  const permit = (client: TestTurnClient, address: string, port: number) =>
    client.authed(Method.CreatePermission, (w) => w.add(Attr.XorPeerAddress, encodeXorAddress({ family: 4, address, port }, Buffer.alloc(12))));
  const sendIndication = (client: TestTurnClient, address: string, port: number, data: string) => {
    const id = Buffer.alloc(12, 7);
    client.sendRaw(new StunWriter(Method.Send, Class.Indication, id).add(Attr.XorPeerAddress, encodeXorAddress({ family: 4, address, port }, id)).add(Attr.Data, Buffer.from(data)).encode());
  };

  test('two clients reach each other through their relayed addresses (Send and ChannelData both ways)', async () => {
    const a = await TestTurnClient.open(server.turnPort, await turnCredential(server.url));
    const b = await TestTurnClient.open(server.turnPort, await turnCredential(server.url), '127.0.0.2');
    try {
      const { relayed: relayA } = await allocate(a);
      const { relayed: relayB } = await allocate(b);
      assert.equal(relayA.address, relayB.address);
      // Our own address as a peer: refused before relay to relay existed.
      assert.equal((await permit(a, relayB.address, relayB.port)).class, Class.Success, 'a permission for the relayed address');
      assert.equal((await permit(b, relayA.address, relayA.port)).class, Class.Success);
      sendIndication(a, relayB.address, relayB.port, 'a to b by Send');
      assert.deepEqual(await nextRelayed(b), { data: 'a to b by Send', peer: `${relayA.address}:${relayA.port}` });
      const bound = await b.authed(Method.ChannelBind, (w) =>
        w.add(Attr.ChannelNumber, Buffer.from([0x40, 0x01, 0, 0])).add(Attr.XorPeerAddress, encodeXorAddress({ family: 4, address: relayA.address, port: relayA.port }, Buffer.alloc(12))),
      );
      assert.equal(bound.class, Class.Success, `ChannelBind to a relay answered ${errorCode(bound)}`);
      const data = Buffer.from('b to a by ChannelData');
      b.sendRaw(Buffer.concat([Buffer.from([0x40, 0x01, 0, data.length]), data]));
      assert.deepEqual(await nextRelayed(a), { data: 'b to a by ChannelData', peer: `${relayB.address}:${relayB.port}` });
      // A channel bound on b's side: a's replies reach b as ChannelData.
      sendIndication(a, relayB.address, relayB.port, 'a to b, b has a channel');
      assert.deepEqual(await nextRelayed(b), { data: 'a to b, b has a channel' });
    } finally {
      a.close();
      b.close();
    }
  });

  test('a client that permitted one relay hears only that relay, not another allocation on the same address', async () => {
    const a = await TestTurnClient.open(server.turnPort, await turnCredential(server.url));
    const b = await TestTurnClient.open(server.turnPort, await turnCredential(server.url), '127.0.0.2');
    const stranger = await TestTurnClient.open(server.turnPort, await turnCredential(server.url), '127.0.0.3');
    try {
      const { relayed: relayA } = await allocate(a);
      const { relayed: relayB } = await allocate(b);
      const { relayed: relayS } = await allocate(stranger);
      assert.equal(relayS.address, relayB.address, 'every relay shares the host\'s address');
      assert.equal((await permit(b, relayA.address, relayA.port)).class, Class.Success, 'b permits a\'s relay (and so the host\'s IP)');
      assert.equal((await permit(stranger, relayB.address, relayB.port)).class, Class.Success);
      sendIndication(stranger, relayB.address, relayB.port, 'from a relay b never permitted');
      assert.equal(await nextRelayed(b), undefined, 'refused: b permitted a\'s relay port, not the stranger\'s');
      assert.equal((await permit(a, relayB.address, relayB.port)).class, Class.Success);
      sendIndication(a, relayB.address, relayB.port, 'from the permitted relay');
      assert.deepEqual(await nextRelayed(b), { data: 'from the permitted relay', peer: `${relayA.address}:${relayA.port}` });
    } finally {
      a.close();
      b.close();
      stranger.close();
    }
  });

  test('the host\'s other ports stay out of reach: the TURN port, a released relay, any other UDP service', async () => {
    const a = await TestTurnClient.open(server.turnPort, await turnCredential(server.url));
    const b = await TestTurnClient.open(server.turnPort, await turnCredential(server.url), '127.0.0.2');
    const service = await peer();
    try {
      const { relayed } = await allocate(a);
      const { relayed: relayB } = await allocate(b);
      assert.equal((await permit(a, relayed.address, 9)).class, Class.Success);
      for (const port of [server.turnPort, service.port]) {
        const id = Buffer.alloc(12, 9);
        const bind = await a.request(
          Method.ChannelBind,
          (w) => w.add(Attr.ChannelNumber, Buffer.from([0x40, 0x03, 0, 0])).add(Attr.XorPeerAddress, encodeXorAddress({ family: 4, address: relayed.address, port }, id)),
          { auth: true, transactionId: id },
        );
        assert.equal(errorCode(bind), 403, `a channel to our own port ${port}`);
        sendIndication(a, relayed.address, port, 'probe');
      }
      // Once b's allocation is gone, its port is no longer a relay.
      assert.equal((await permit(b, relayed.address, relayed.port)).class, Class.Success);
      await b.authed(Method.Refresh, (w) => w.add(Attr.Lifetime, lifetimeValue(0)));
      sendIndication(a, relayB.address, relayB.port, 'to a released relay');
      await settle();
      assert.deepEqual(service.received, [], 'the UDP service got nothing');
      assert.equal(await nextRelayed(b), undefined);
    } finally {
      a.close();
      b.close();
      service.socket.close();
    }
  });
});
