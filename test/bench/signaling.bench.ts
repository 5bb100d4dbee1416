/**
 * `npm run bench -- signaling`: N WebSocket clients on loopback (from several 127.x source addresses,
 * in 4 client processes), in rooms of 50, half of them relaying offers to a roommate; first against
 * Shoal's uWebSockets.js server, then the same workload against a plain `ws` server (same relay
 * logic, no validation library), in one script. Reports sockets held, server RSS per socket, relayed
 * messages per second, p50/p99 relay latency, and the ratios.
 *
 * N defaults to 19,800: this machine's hard limit on open files per process is 20,000 (and cannot be
 * raised in this container), so a server process cannot hold 20,000 sockets plus its own files.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freeTcpPort, startServer } from '../e2e/harness.js';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 19_800);
const CLIENTS = 4;
const RATE = Number(process.env.BENCH_RATE ?? 4); // offers per second per sending socket
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROOM_SIZE = 50;

const cpuSecondsOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const percentile = (values: number[], p: number) => (values.length === 0 ? NaN : [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!);

function once<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
  });
}

async function run(kind: 'shoal' | 'ws') {
  let pid: number;
  let url: string;
  let stop: () => Promise<void>;
  if (kind === 'shoal') {
    const server = await startServer({ SIGNALING_MAX_SOCKETS_PER_IP: '1000000', SIGNALING_ADDRESS_BUDGET_SCALE: '10000' });
    pid = server.process.pid!;
    url = `ws://127.0.0.1:${server.port}/signaling`;
    stop = server.stop;
  } else {
    const port = await freeTcpPort();
    const child = fork('test/bench/ws-signaling-server.mjs', [], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await once(child, 'ready', 10_000);
    pid = child.pid!;
    url = `ws://127.0.0.1:${port}`;
    stop = async () => void child.kill('SIGKILL');
  }
  const rssBefore = rssOf(pid);
  const per = Math.ceil(SOCKETS / CLIENTS);
  const clients = Array.from({ length: CLIENTS }, (_, i) =>
    fork('test/bench/signaling-client.ts', [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_CLIENT: JSON.stringify({ url, count: Math.min(per, SOCKETS - i * per), first: i * per, localAddress: `127.0.0.${i + 2}`, rate: RATE, roomSize: ROOM_SIZE }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  try {
    await Promise.all(clients.map((c) => once(c, 'ready', 20_000)));
    const connectStarted = performance.now();
    clients.forEach((c) => c.send({ type: 'connect' }));
    const connected = await Promise.all(clients.map((c) => once<{ count: number }>(c, 'connected', 180_000)));
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const held = connected.reduce((n, c) => n + c.count, 0);
    await new Promise((r) => setTimeout(r, 1000));
    const rssAfter = rssOf(pid);
    const cpuBefore = cpuSecondsOf(pid);
    clients.forEach((c) => c.send({ type: 'relay', seconds: SECONDS }));
    const results = await Promise.all(clients.map((c) => once<{ received: number; errors: number; latencies: number[] }>(c, 'relayed', (SECONDS + 60) * 1000)));
    const received = results.reduce((n, r) => n + r.received, 0);
    const serverCpu = cpuSecondsOf(pid) - cpuBefore;
    const latencies = results.flatMap((r) => r.latencies);
    const line = {
      bench: 'signaling',
      server: kind,
      socketsTarget: SOCKETS,
      socketsHeld: held,
      connectSeconds: round(connectSeconds),
      rssPerSocketKiB: round((rssAfter - rssBefore) / held / 1024, 2),
      offeredMsgsPerSecond: Math.round((held / 2) * RATE),
      relayedMsgsPerSecond: Math.round(received / SECONDS),
      errors: results.reduce((n, r) => n + r.errors, 0),
      p50Ms: round(percentile(latencies, 0.5), 2),
      p99Ms: round(percentile(latencies, 0.99), 2),
      serverCpuSeconds: round(serverCpu, 2),
      serverCpuMicrosecondsPerMessage: round((serverCpu / received) * 1e6, 2),
    };
    console.log(JSON.stringify(line));
    return line;
  } finally {
    clients.forEach((c) => c.connected && c.send({ type: 'close' }));
    await new Promise((r) => setTimeout(r, 500));
    clients.forEach((c) => c.kill('SIGKILL'));
    await stop();
  }
}

const shoal = await run('shoal');
const ws = await run('ws');
console.log(
  JSON.stringify({
    bench: 'signaling',
    case: 'shoal-vs-ws',
    msgsPerSecondRatio: round(shoal.relayedMsgsPerSecond / ws.relayedMsgsPerSecond, 2),
    rssPerSocketRatio: round(shoal.rssPerSocketKiB / ws.rssPerSocketKiB, 2),
    // Messages per server CPU-second, Shoal over ws: the load generators share the 2 cores, so
    // delivered msgs/s mostly measures them; this measures the servers.
    msgsPerCpuSecondRatio: round(ws.serverCpuMicrosecondsPerMessage / shoal.serverCpuMicrosecondsPerMessage, 2),
    targets: { socketsHeld: 20_000, rssPerSocketKiB: '<= 4', msgsPerSecondRatio: '>= 3' },
  }),
);
