/**
 * `npm run bench -- turn`: coturn's turnutils_uclient (client-to-client, channels) loads our TURN
 * relay, then the same load against Debian's coturn turnserver when it is installed, in one script.
 * Reports delivered/sent, the relay process's CPU time per relayed message, and the ratio to coturn.
 */
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { freeUdpPort, startServer } from '../e2e/harness.js';
import { issueTurnCredential } from '../../server/turn/rest-credentials.js';

const run = promisify(execFile);
const CLIENTS = Number(process.env.BENCH_TURN_CLIENTS ?? 50);
const MESSAGES = Number(process.env.BENCH_TURN_MESSAGES ?? 200);
const LENGTH = 500;
const TICKS_PER_SECOND = 100;

const cpuSeconds = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
};

async function load(port: number, username: string, password: string, pid: number, name: string) {
  const before = cpuSeconds(pid);
  const started = performance.now();
  // -y: client-to-client; -m: clients (each with an RTP and an RTCP allocation); -z 5: 5 ms between packets.
  const { stdout, stderr } = await run('turnutils_uclient', ['-u', username, '-w', password, '-p', String(port), '-y', '-m', String(CLIENTS), '-n', String(MESSAGES), '-l', String(LENGTH), '-z', '5', '-e', '127.0.0.1', '127.0.0.1'], { timeout: 300_000, maxBuffer: 64 << 20 });
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(pid) - before;
  const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/m.exec((stdout + stderr).split('\n').filter((l) => /start_mclient: tot_send_msgs/.test(l)).at(-1) ?? '');
  const sent = Number(totals?.[1] ?? 0);
  const received = Number(totals?.[2] ?? 0);
  const line = {
    bench: 'turn',
    server: name,
    clients: CLIENTS,
    sent,
    received,
    deliveredRatio: sent ? Math.round((received / sent) * 10_000) / 10_000 : 0,
    seconds: Math.round(seconds * 10) / 10,
    serverCpuSeconds: Math.round(cpu * 100) / 100,
    cpuMicrosecondsPerMessage: received ? Math.round((cpu / received) * 1e6 * 10) / 10 : null,
    target: 'deliveredRatio >= 0.99',
  };
  console.log(JSON.stringify(line));
  return line;
}

function turnChildOf(parent: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('turn-process')) return Number(entry);
    } catch {
      // gone
    }
  }
  throw new Error('no TURN process');
}

const secret = 'bench-secret';
const server = await startServer({ TURN_SECRET: secret, TURN_USER_QUOTA: '1000', TURN_CLIENT_QUOTA: '1000', TURN_RELAY_PORTS: '40000-49999' });
let ours;
try {
  const { username, credential } = issueTurnCredential(secret, 3600);
  ours = await load(server.turnPort, username, credential, turnChildOf(server.process.pid!), 'shoal');
} finally {
  await server.stop();
}

let coturnAvailable = true;
try {
  await run('turnserver', ['--version']);
} catch {
  coturnAvailable = false;
}
if (!coturnAvailable) {
  console.log(JSON.stringify({ bench: 'turn', server: 'coturn', skipped: 'turnserver is not installed' }));
} else {
  const port = await freeUdpPort();
  const coturn = spawn('turnserver', ['-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', '--realm=shoal', '--use-auth-secret', `--static-auth-secret=${secret}`, '--allow-loopback-peers', '--no-cli', '--no-tls', '--no-dtls', '--min-port=50000', '--max-port=59999', '--log-file=stdout', '--simple-log'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const { username, credential } = issueTurnCredential(secret, 3600);
    const theirs = await load(port, username, credential, coturn.pid!, 'coturn');
    console.log(
      JSON.stringify({
        bench: 'turn',
        case: 'shoal-vs-coturn',
        cpuPerMessageRatio: ours.cpuMicrosecondsPerMessage && theirs.cpuMicrosecondsPerMessage ? Math.round((ours.cpuMicrosecondsPerMessage / theirs.cpuMicrosecondsPerMessage) * 100) / 100 : null,
      }),
    );
  } finally {
    coturn.kill('SIGKILL');
  }
}
