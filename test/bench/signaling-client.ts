/**
 * One load-generating process for `npm run bench -- signaling`: opens `count` WebSockets from its own
 * loopback source address, joins rooms of 50, then (on command) has half of them relay offers to a
 * roommate at `rate` per second each, and reports deliveries and latencies to the parent.
 */
import WebSocket from 'ws';

const { url, count, first, localAddress, rate, roomSize } = JSON.parse(process.env.BENCH_CLIENT!) as {
  url: string;
  count: number;
  first: number;
  localAddress: string;
  rate: number;
  roomSize: number;
};

interface Member {
  ws: WebSocket;
  peerId: string;
  index: number;
}

const members: Member[] = [];
const byIndex = new Map<number, Member>();
let received = 0;
let errors = 0;
const latencies: number[] = [];
const now = () => performance.timeOrigin + performance.now();

function open(index: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
    ws.on('error', () => resolve());
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join-room', room: `bench-${Math.floor(index / roomSize)}` })));
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('{"type":"offer"')) {
        received++;
        const sent = Number(JSON.parse(text).sdp.slice(4));
        if (latencies.length < 200_000) latencies.push(now() - sent);
        return;
      }
      const m = JSON.parse(text);
      if (m.type === 'welcome') {
        const member = { ws, peerId: m.peerId as string, index };
        members.push(member);
        byIndex.set(index, member);
        resolve();
      } else if (m.type === 'error') errors++;
    });
  });
}

async function connectAll(): Promise<void> {
  const CONCURRENCY = 200;
  let next = first;
  const worker = async () => {
    while (next < first + count) await open(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function relay(seconds: number): Promise<void> {
  // Even indexes send to the next index in the same room.
  const pairs = members.filter((m) => m.index % 2 === 0 && byIndex.has(m.index + 1) && Math.floor(m.index / roomSize) === Math.floor((m.index + 1) / roomSize)).map((m) => [m, byIndex.get(m.index + 1)!] as const);
  const end = performance.now() + seconds * 1000;
  const tickMs = 100;
  const perTick = rate * (tickMs / 1000);
  let carry = 0;
  while (performance.now() < end) {
    const started = performance.now();
    carry += perTick;
    const sends = Math.floor(carry);
    carry -= sends;
    for (let s = 0; s < sends; s++) for (const [from, to] of pairs) if (from.ws.bufferedAmount < 1 << 20) from.ws.send(`{"type":"offer","to":"${to.peerId}","sdp":"v=0 ${now()}"}`);
    await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (performance.now() - started))));
  }
  await new Promise((r) => setTimeout(r, 1000)); // let the last messages land
}

process.on('message', async (command: { type: string; seconds?: number }) => {
  if (command.type === 'connect') {
    await connectAll();
    process.send!({ type: 'connected', count: members.length });
  } else if (command.type === 'relay') {
    received = 0;
    latencies.length = 0;
    await relay(command.seconds!);
    process.send!({ type: 'relayed', received, errors, latencies });
  } else if (command.type === 'close') {
    for (const m of members) m.ws.terminate();
    process.exit(0);
  }
});
process.send!({ type: 'ready' });
