/**
 * The real server process over real sockets: HTTP endpoints, room membership, relaying with a
 * server-stamped `from`, room isolation, the share index, and typed errors for hostile input while
 * the server keeps serving everyone else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SIGNALING_MESSAGE_BURST as RATE_BURST } from '../../protocol/index.js';
import { startServer, type RunningServer } from './harness.js';
import { connectSignaling as connect, type SignalingTestClient as Client } from './ws-client.js';

async function joined(server: RunningServer, room?: string): Promise<Client & { peerId: string }> {
  const client = await connect(server);
  client.send(room ? { type: 'join-room', room, name: 'test' } : { type: 'join-room' });
  const welcome = await client.next('welcome');
  await client.next('files');
  return Object.assign(client, { peerId: welcome.peerId as string });
}

describe('signaling server', { timeout: 60_000 }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test('GET /api/health reports status, uptime, peers, rooms, version, TURN and uWS', async (t) => {
    const health = await (await fetch(`${server.url}/api/health`)).json();
    assert.equal(health.status, 'ok');
    assert.equal(typeof health.uptime, 'number');
    assert.equal(typeof health.peers, 'number');
    assert.equal(typeof health.rooms, 'number');
    assert.match(health.version, /^\d+\.\d+\.\d+/);
    assert.equal(health.turn, 'running');
    // Which implementation runs is the machine's business; that the server tells, and tells the truth, is ours.
    assert.ok(['native', 'fallback'].includes(health.uws), `uws: ${health.uws}`);
    assert.match(server.log(), health.uws === 'native' ? /uWebSockets\.js: native binary loaded/ : /uWebSockets\.js: native binary did not load/);
    t.diagnostic(`uWebSockets.js on this machine: ${health.uws}`);
  });

  test('GET /metrics: Prometheus text with sockets, peers, rooms, messages, refusals, TURN and process metrics', async () => {
    const client = await joined(server, 'metrics-room');
    client.send('{"type":"nope"}');
    await client.next('error');
    const response = await fetch(`${server.url}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const line of [/^shoal_signaling_sockets [1-9]\d*$/m, /^shoal_signaling_peers [1-9]\d*$/m, /^shoal_signaling_rooms [1-9]\d*$/m, /^shoal_turn_up 1$/m, /^shoal_turn_restarts \d+$/m, /^shoal_signaling_messages_total\{type="join-room"\} [1-9]\d*$/m, /^shoal_signaling_refusals_total\{code="unknown-type"\} [1-9]\d*$/m, /^shoal_process_resident_memory_bytes \d+/m, /^shoal_nodejs_eventloop_lag_seconds /m]) {
      assert.match(text, line);
    }
    client.ws.close();
  });

  test('logs are JSON lines (pino) with a level, a time and a message', () => {
    const lines = server.log().split('\n').filter((l) => l.startsWith('{'));
    assert.ok(lines.length > 0);
    const first = JSON.parse(lines.find((l) => l.includes('uWebSockets.js'))!);
    assert.equal(first.level, 30);
    assert.equal(typeof first.time, 'number');
    assert.match(first.msg, /^uWebSockets\.js: native binary (loaded|did not load)/);
  });

  test('GET /api/ice-servers hands out STUN and TURN urls with short-lived REST credentials', async () => {
    const first = await (await fetch(`${server.url}/api/ice-servers`)).json();
    const second = await (await fetch(`${server.url}/api/ice-servers`)).json();
    const turn = first.iceServers.find((s: { urls: string[] }) => s.urls[0]!.startsWith('turn:'));
    assert.ok(first.iceServers.some((s: { urls: string[] }) => s.urls[0]!.startsWith('stun:')));
    const [expiry] = turn.username.split(':');
    assert.ok(Number(expiry) > Date.now() / 1000 && Number(expiry) < Date.now() / 1000 + 24 * 3600, 'expires within a day');
    assert.match(turn.credential, /^[A-Za-z0-9+/]{27}=$/, 'base64 HMAC-SHA1');
    assert.notEqual(turn.username, second.iceServers[1].username, 'no shared fixed credential');
  });

  test('serves the app shell and a 404 for unknown assets', async () => {
    const index = await fetch(`${server.url}/`);
    assert.equal(index.status, 200);
    assert.match(await index.text(), /<title>Shoal/);
    const etag = index.headers.get('etag')!;
    assert.equal((await fetch(`${server.url}/`, { headers: { 'if-none-match': etag } })).status, 304);
    assert.equal((await fetch(`${server.url}/missing.js`)).status, 404);
    assert.equal((await fetch(`${server.url}/api/nothing`)).status, 404);
    assert.match((await fetch(`${server.url}/sw.js`)).headers.get('content-type')!, /javascript/);
  });

  test('peers behind one address share the default room and see each other come and go', async () => {
    const a = await joined(server);
    const b = await connect(server);
    b.send({ type: 'join-room' });
    const welcome = await b.next('welcome');
    assert.ok(welcome.peers.some((p: { peerId: string }) => p.peerId === a.peerId));
    const joinedMsg = await a.next('peer-joined');
    assert.equal(joinedMsg.peerId, welcome.peerId);
    b.ws.close();
    assert.equal((await a.next('peer-left')).peerId, welcome.peerId);
    a.ws.close();
  });

  test('relays offers with a server-stamped from, only within a room', async () => {
    const a = await joined(server, 'relay-room');
    const b = await joined(server, 'relay-room');
    const outsider = await joined(server, 'elsewhere');
    await a.next('peer-joined');
    a.send({ type: 'offer', to: b.peerId, sdp: 'v=0', from: 'spoofed' });
    const offer = await b.next('offer');
    assert.deepEqual(offer, { type: 'offer', sdp: 'v=0', from: a.peerId });
    outsider.send({ type: 'offer', to: b.peerId, sdp: 'v=0' });
    assert.equal((await outsider.next('error')).code, 'unknown-peer');
    await assert.rejects(b.next('offer', 300), 'nothing reaches b from another room');
    [a, b, outsider].forEach((c) => c.ws.close());
  });

  test('announcements reach the room and request-file answers with holders', async () => {
    const a = await joined(server, 'files-room');
    const share = { id: 'e'.repeat(64), name: 'x.bin', size: 10 };
    a.send({ type: 'announce-file', shares: [share] });
    const b = await connect(server);
    b.send({ type: 'join-room', room: 'files-room' });
    await b.next('welcome');
    assert.deepEqual((await b.next('files')).holders, [{ peerId: a.peerId, shares: [share] }]);
    b.send({ type: 'request-file', id: share.id });
    assert.deepEqual((await b.next('files')).holders, [{ peerId: a.peerId, shares: [share] }]);
    b.send({ type: 'request-file', id: 'f'.repeat(64) });
    assert.deepEqual((await b.next('files')).holders, []);
    [a, b].forEach((c) => c.ws.close());
  });

  test('hostile input gets typed errors; persistent offenders are closed; others carry on', async () => {
    const honestA = await joined(server, 'hostile-room');
    const honestB = await joined(server, 'hostile-room');
    await honestA.next('peer-joined');
    const attacker = await connect(server);
    attacker.send({ type: 'offer', to: honestA.peerId, sdp: 'v=0' });
    assert.equal((await attacker.next('error')).code, 'not-in-room');
    attacker.send('{not json');
    assert.equal((await attacker.next('error')).code, 'bad-message');
    attacker.send({ type: 'bogus' });
    assert.equal((await attacker.next('error')).code, 'unknown-type');
    attacker.ws.send(Buffer.from([1, 2, 3]));
    assert.equal((await attacker.next('error')).code, 'bad-message');
    attacker.send(JSON.stringify({ type: 'join-room', room: 'x'.repeat(1000) }));
    assert.equal((await attacker.next('error')).code, 'bad-message');
    for (let i = 0; i < 30; i++) attacker.send('[]');
    assert.equal(await attacker.closed, 1008, 'closed after too many errors');

    const oversized = await connect(server);
    oversized.send({ type: 'ping', pad: 'x'.repeat(200_000) });
    assert.ok([1006, 1009].includes(await oversized.closed), 'frames above maxPayloadLength close the socket');

    honestA.send({ type: 'offer', to: honestB.peerId, sdp: 'still-works' });
    assert.equal((await honestB.next('offer')).sdp, 'still-works');
    assert.equal((await (await fetch(`${server.url}/api/health`)).json()).status, 'ok');
    [honestA, honestB].forEach((c) => c.ws.close());
  });

  test('a flood is rate limited without affecting other clients', async () => {
    const flooder = await joined(server, 'flood-room');
    const quiet = await joined(server, 'flood-room');
    for (let i = 0; i < 80; i++) flooder.send({ type: 'ping' });
    assert.equal((await flooder.next('error')).code, 'rate-limited');
    // In order: the pongs before the refusal are the burst less the join (the spec's 50), and a few refilled.
    const pongs = flooder.inbox.filter((m) => m.type === 'pong').length;
    assert.ok(pongs >= RATE_BURST - 1 && pongs < RATE_BURST + 10, `${pongs} pings answered before the refusal, burst ${RATE_BURST}`);
    quiet.send({ type: 'ping' });
    assert.ok(await quiet.next('pong'));
    [flooder, quiet].forEach((c) => c.ws.close());
  });

  test('a crashed TURN process is restarted by its supervisor', async () => {
    const pidOf = () =>
      server
        .log()
        .split('\n')
        .filter((line) => line.includes('"msg":"TURN/STUN process ready"'))
        .map((line) => Number(JSON.parse(line).pid));
    const [firstPid] = pidOf();
    assert.ok(firstPid);
    process.kill(firstPid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (pidOf().length < 2) {
      assert.ok(Date.now() < deadline, 'TURN process came back within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.notEqual(pidOf()[1], firstPid);
    assert.match(server.log(), /TURN\/STUN process exited; restarting/);
    assert.equal((await (await fetch(`${server.url}/api/health`)).json()).turn, 'running');
  });

  test('SIGTERM stops the server and its TURN process cleanly', async () => {
    const other = await startServer();
    const client = await joined(other);
    const exited = new Promise<number | null>((resolve) => other.process.once('exit', (code) => resolve(code)));
    other.process.kill('SIGTERM');
    assert.equal(await client.closed, 1001, 'clients are told the server is going away');
    assert.equal(await exited, 0);
    assert.match(other.log(), /shutting down/);
  });
});
