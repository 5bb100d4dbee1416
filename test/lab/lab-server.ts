/**
 * The real built server run inside the lab's server host: HTTP, signaling and STUN/TURN on the
 * host's public address 198.18.0.1, no loopback allowance, and the relay allowed to reach the lab's
 * "internet" through TURN_ALLOW_PEERS (its deny list covers 198.18.0.0/15, the benchmarking range).
 * Also a second STUN responder on 198.18.0.2, so a peer can tell a symmetric NAT from a cone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { launchBrowser, openApp, type LaunchedBrowser } from '../e2e/harness.js';
import { INTERNET, SERVER_ADDRESS, SERVER_SECOND_ADDRESS, type Lab, type LabHost } from './lab.js';

export const LAB_PORT = 8080;
export const STUN_PORT = 3478;
export const TURN_PORT = 3479;
export const LAB_ORIGIN = `http://${SERVER_ADDRESS}:${LAB_PORT}`;

/** Flags for a lab browser: plain http on a non-loopback address is a secure context only by this flag. */
export const LAB_BROWSER_ARGS = [`--unsafely-treat-insecure-origin-as-secure=${LAB_ORIGIN}`];

/**
 * Debian's Chromium on a lab host, with the app open in the private `room` (or without one, the
 * host's address room); `relayOnly` opens it with the relay-only setting (`?relay=1`).
 */
export async function labBrowser(lab: Lab, host: LabHost, room?: string, { relayOnly = false } = {}): Promise<LaunchedBrowser> {
  const browser = await launchBrowser({ executablePath: lab.chromiumIn(host), args: LAB_BROWSER_ARGS });
  const query = new URLSearchParams({ ...(room ? { room } : {}), ...(relayOnly ? { relay: '1' } : {}) }).toString();
  await openApp(browser.page, query ? `${LAB_ORIGIN}/?${query}` : LAB_ORIGIN);
  return browser;
}

export interface LabServer {
  url: string;
  log: () => string;
  stop: () => Promise<void>;
  /** Stops the server and starts it again (same configuration, plus `changes`), resolving once it is healthy. */
  restart: (changes?: Record<string, string>) => Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startLabServer(lab: Lab, env: Record<string, string> = {}): Promise<LabServer> {
  const settings = { ...env };
  let output = '';
  let server: ChildProcess;
  let responder: ChildProcess;
  const start = async () => {
    server = spawn('ip', ['netns', 'exec', lab.server.ns, process.execPath, 'dist/server/main.js'], {
      env: {
        ...process.env,
        PORT: String(LAB_PORT),
        HOST: SERVER_ADDRESS,
        STUN_PORT: String(STUN_PORT),
        TURN_PORT: String(TURN_PORT),
        TURN_LISTEN_IP: SERVER_ADDRESS,
        TURN_PUBLIC_HOST: SERVER_ADDRESS,
        TURN_ALLOW_LOOPBACK: '0',
        TURN_ALLOW_PEERS: INTERNET,
        ...settings,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`lab server exited early:\n${output}`);
      let health = '';
      try {
        health = lab.exec(lab.server, process.execPath, '-e', `fetch('${LAB_ORIGIN}/api/health').then(r => r.text()).then(t => console.log(t), () => console.log('{}'))`);
      } catch {
        // not yet
      }
      if (health.includes('"status":"ok"')) break;
      if (Date.now() > deadline) throw new Error(`lab server did not become healthy:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  responder = spawn('ip', ['netns', 'exec', lab.server.ns, process.execPath, '--import', 'tsx', 'test/lab/stun-probe.ts', '--serve', `${SERVER_SECOND_ADDRESS}:${STUN_PORT}`], { stdio: 'ignore' });
  await start();
  return {
    url: LAB_ORIGIN,
    log: () => output,
    stop: async () => {
      await Promise.all([stopChild(server), stopChild(responder)]);
    },
    restart: async (changes = {}) => {
      await stopChild(server);
      Object.assign(settings, changes);
      await start();
    },
  };
}
