/**
 * `npm run bench -- amplification`: what one attacker can make the signaling server send, as bytes
 * out per byte in, in a room of 40 honest listeners (the security review's setting). Each pattern
 * runs against a fresh server for BENCH_SECONDS (10 by default) from its own loopback addresses
 * (127.0.0.7, and 127.0.0.8 for helper sockets), paced at the per-socket message rate (20/s) so
 * no frame is wasted on a refusal:
 * - announce-new: announcements of 256 new shares (120-character names, so that 256 fit one 64 KiB frame) each;
 * - reannounce-same: the same 256 shares again and again;
 * - rejoin-loop: join-room again and again into a room whose members announce 256 shares each;
 * - many-sockets: 60 sockets from one address join and announce 256 shares each; then newcomers
 *   join and get the room's snapshot (reported as snapshotBytes);
 * - join-announce-leave: connect, join, announce 256 new shares, close, again;
 * - request-file: the holders of a share all 40 listeners hold, asked for again and again;
 * - rename-loop: a new 64-character display name again and again (each is news to the whole room);
 * - announce-withdraw: 256 new shares announced, then withdrawn, again and again.
 * BENCH_PATTERNS=a,b runs only those patterns.
 * Bytes are WebSocket payload bytes (JSON text) counted by the clients: in = what the attacker's
 * sockets sent, out = what every socket received during the pattern (the listeners are otherwise
 * silent). One JSON line per pattern, then one with the worst ratio.
 */
import { randomBytes } from 'node:crypto';
import { startServer, type RunningServer } from '../e2e/harness.js';
import { connectSignaling, type SignalingTestClient } from '../e2e/ws-client.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const LISTENERS = 40;
const ROOM = 'amplification-room';
const ATTACKER = '127.0.0.7';
const HELPER = '127.0.0.8';
const MESSAGE_INTERVAL_MS = 50; // the per-socket sustained rate, 20 messages/s

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const newShare = () => ({ id: randomBytes(32).toString('hex'), name: `${randomBytes(58).toString("hex")}.bin`, size: 1 + Math.floor(Math.random() * 2 ** 30) });
const newShares = (n = 256) => Array.from({ length: n }, newShare);

interface Meter {
  sockets: SignalingTestClient[];
  attackers: SignalingTestClient[];
}

async function join(server: RunningServer, meter: Meter, localAddress: string, attacker: boolean): Promise<SignalingTestClient> {
  const client = await connectSignaling(server, { localAddress, countOnly: true });
  client.ws.on('error', () => undefined);
  meter.sockets.push(client);
  if (attacker) meter.attackers.push(client);
  client.send({ type: 'join-room', room: ROOM, name: attacker ? 'attacker' : 'listener' });
  return client;
}

const totals = (meter: Meter) => ({
  in: meter.attackers.reduce((sum, c) => sum + c.bytes.sent, 0),
  out: meter.sockets.reduce((sum, c) => sum + c.bytes.received, 0),
});

/** Repeats `step` every MESSAGE_INTERVAL_MS for the pattern's duration, reopening a closed attacker socket. */
async function paced(server: RunningServer, meter: Meter, step: (socket: SignalingTestClient) => void): Promise<void> {
  let socket = await join(server, meter, ATTACKER, true);
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    if (socket.ws.readyState !== socket.ws.OPEN) socket = await join(server, meter, ATTACKER, true);
    step(socket);
    await sleep(MESSAGE_INTERVAL_MS);
  }
}

const patterns: Record<string, (server: RunningServer, meter: Meter) => Promise<Record<string, number>>> = {
  'announce-new': async (server, meter) => {
    await paced(server, meter, (s) => s.send({ type: 'announce-file', shares: newShares() }));
    return {};
  },
  'reannounce-same': async (server, meter) => {
    const shares = newShares();
    await paced(server, meter, (s) => s.send({ type: 'announce-file', shares }));
    return {};
  },
  'rejoin-loop': async (server, meter) => {
    await paced(server, meter, (s) => s.send({ type: 'join-room', room: ROOM, name: 'attacker' }));
    return {};
  },
  'many-sockets': async (server, meter) => {
    for (let i = 0; i < 60; i++) {
      const helper = await join(server, meter, HELPER, true);
      await sleep(20);
      helper.send({ type: 'announce-file', shares: newShares() });
    }
    await sleep(1000);
    const newcomer = await connectSignaling(server, { localAddress: '127.0.0.9', countOnly: true });
    newcomer.send({ type: 'join-room', room: ROOM, name: 'newcomer' });
    await sleep(1000);
    const snapshotBytes = newcomer.bytes.received;
    newcomer.ws.close();
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      const again = await join(server, meter, '127.0.0.9', true);
      await sleep(250);
      again.ws.close();
    }
    return { snapshotBytes };
  },
  'join-announce-leave': async (server, meter) => {
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      const socket = await join(server, meter, ATTACKER, true);
      await sleep(MESSAGE_INTERVAL_MS);
      socket.send({ type: 'announce-file', shares: newShares() });
      await sleep(MESSAGE_INTERVAL_MS);
      socket.ws.close();
    }
    return {};
  },
  'rename-loop': async (server, meter) => {
    let n = 0;
    await paced(server, meter, (s) => s.send({ type: 'rename', name: `${'n'.repeat(58)}${String(n++).padStart(6, '0')}` }));
    return {};
  },
  'announce-withdraw': async (server, meter) => {
    let shares = newShares();
    let announce = true;
    await paced(server, meter, (s) => {
      if (announce) s.send({ type: 'announce-file', shares });
      else (s.send({ type: 'withdraw-file', ids: shares.map((share) => share.id) }), (shares = newShares()));
      announce = !announce;
    });
    return {};
  },
  'request-file': async (server, meter) => {
    const wanted = newShare();
    for (const listener of meter.sockets) listener.send({ type: 'announce-file', shares: [wanted] });
    await sleep(500);
    const base = totals(meter).out;
    await paced(server, meter, (s) => s.send({ type: 'request-file', id: wanted.id }));
    return { baseline: base };
  },
};

let worst = { pattern: '', ratio: 0 };
const only = process.env.BENCH_PATTERNS?.split(',');
for (const [name, run] of Object.entries(patterns).filter(([name]) => !only || only.includes(name))) {
  const server = await startServer({ SIGNALING_MAX_SOCKETS_PER_IP: '64' });
  const meter: Meter = { sockets: [], attackers: [] };
  try {
    for (let i = 0; i < LISTENERS; i++) await join(server, meter, '127.0.0.1', false);
    if (name === 'rejoin-loop') {
      // The room the attacker keeps rejoining holds what its members announced: 256 shares from each of 20.
      for (const listener of meter.sockets.slice(0, 20)) listener.send({ type: 'announce-file', shares: newShares() });
    }
    await sleep(1000);
    const before = totals(meter);
    const started = Date.now();
    const extra = await run(server, meter);
    await sleep(1000); // what the server still sends after the last message
    const after = totals(meter);
    const baseline = extra.baseline ?? before.out;
    delete extra.baseline;
    const bytesIn = after.in - before.in;
    const bytesOut = after.out - baseline;
    const ratio = bytesOut / Math.max(1, bytesIn);
    if (ratio > worst.ratio) worst = { pattern: name, ratio };
    const seconds = (Date.now() - started) / 1000;
    console.log(JSON.stringify({ bench: 'amplification', pattern: name, listeners: LISTENERS, seconds: round(seconds), bytesIn, bytesOut, outPerIn: round(ratio, 2), outKiBPerSecond: round(bytesOut / 1024 / seconds), ...extra }));
  } finally {
    for (const socket of meter.sockets) socket.ws.terminate();
    await server.stop();
  }
}
console.log(JSON.stringify({ bench: 'amplification', pattern: 'worst', worstPattern: worst.pattern, outPerIn: round(worst.ratio, 2), goal: 10 }));
