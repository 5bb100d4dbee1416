/**
 * A network lab made of Linux network namespaces (root only): an "internet" segment (a bridge in
 * its own namespace, addresses from 198.18.0.0/15, RFC 2544's benchmarking range) with the Shoal
 * server's host on it, and home networks, each a router namespace doing NAT for one or more peer
 * hosts on a private LAN (10.<n>.0.0/24). NAT kinds:
 * - `cone`: MASQUERADE, endpoint-independent mapping (Linux keeps the source port when it is free);
 * - `symmetric`: MASQUERADE --random-fully, a new random port for every destination;
 * - `udp-to-server-only`: cone, and every UDP datagram to anywhere but the server host dropped.
 * Hosts can get uplink/downlink rate caps (tbf) and random loss (iptables statistic), and their
 * links can be cut and restored. A home can have a round-trip time: its router's WAN cable is then a
 * delay line (delay-line.py, a user-space program between two TAP devices; this kernel has no
 * netem), whose one-way delay can be changed while the lab runs. Every name carries this run's
 * prefix; `teardown()` deletes all of them, runs on exit and on signals, and a new lab first
 * removes whatever a crashed run left.
 * All traffic stays inside these namespaces.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type NatKind = 'cone' | 'symmetric' | 'udp-to-server-only';

export interface LabHost {
  /** Network namespace name. */
  ns: string;
  /** The host's own address (private for peers behind NAT, public for the server). */
  address: string;
  /** Interface name inside the host's namespace. */
  device: string;
  /** The router namespace in front of it and the router's interface towards it (peers only). */
  router?: { ns: string; lanDevice: string; wanAddress: string; nat: NatKind };
}

export interface HomeOptions {
  /**
   * One-way delay in ms of the router's WAN cable, each way (0 is allowed, to be changed later
   * with `setDelay`). Between two homes with delay d each, the round trip is 4d; to the server, 2d.
   */
  delayMs?: number;
}

export interface LinkShape {
  /** Uplink (host to network) cap in Mbit/s. */
  upMbit?: number;
  /** Downlink (network to host) cap in Mbit/s. */
  downMbit?: number;
  /** Random loss of datagrams in both directions, 0..1. */
  loss?: number;
}

const PREFIX = 'shoal-lab';
const DELAY_LINE = join(dirname(fileURLToPath(import.meta.url)), 'delay-line.py');
/** The lab's "internet": the server at .0.1 (and .0.2), routers from .1.1 on. */
export const INTERNET = '198.18.0.0/15';
export const SERVER_ADDRESS = '198.18.0.1';
export const SERVER_SECOND_ADDRESS = '198.18.0.2';

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`lab: ${command} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}
const ip = (...args: string[]) => run('ip', args);
const inNs = (ns: string, command: string, ...args: string[]) => run('ip', ['netns', 'exec', ns, command, ...args]);

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Deletes the namespaces (and with them their veths) of labs whose process is gone: a crashed
 * earlier run. A lab of a process still running (a test and a benchmark at once) is left alone.
 */
export function removeLeftovers(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const owner = new RegExp(`^${PREFIX}-(\\d+)-`).exec(name);
    if (owner && !isAlive(Number(owner[1]))) run('ip', ['netns', 'delete', name]);
  }
}

export class Lab {
  readonly #prefix: string;
  readonly #namespaces: string[] = [];
  readonly #internet: string;
  #routers = 0;
  #links = 0;
  /** The delay line of each home that has one, by router namespace. */
  readonly #delayLines = new Map<string, ChildProcess>();
  readonly #scratch = mkdtempSync(join(tmpdir(), 'shoal-lab-'));
  readonly #onExit = () => this.teardown();
  server!: LabHost;

  constructor() {
    if (process.getuid?.() !== 0) throw new Error('lab: network namespaces need root');
    removeLeftovers();
    this.#prefix = `${PREFIX}-${process.pid}`;
    process.once('exit', this.#onExit);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (this.teardown(), process.exit(130)));
    this.#internet = this.#namespace('inet');
    inNs(this.#internet, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    inNs(this.#internet, 'ip', 'link', 'set', 'br0', 'up');
    const server = this.#namespace('server');
    const device = this.#plugIntoInternet(server);
    inNs(server, 'ip', 'addr', 'add', `${SERVER_ADDRESS}/15`, 'dev', device);
    inNs(server, 'ip', 'addr', 'add', `${SERVER_SECOND_ADDRESS}/15`, 'dev', device);
    this.server = { ns: server, address: SERVER_ADDRESS, device };
  }

  /** A home network behind a router doing `nat`, with `hosts` peer hosts on its LAN. */
  home(nat: NatKind, hosts = 1, options: HomeOptions = {}): LabHost[] {
    const n = ++this.#routers;
    const router = this.#namespace(`r${n}`);
    const wan = options.delayMs === undefined ? this.#plugIntoInternet(router) : this.#delayLineToInternet(router, options.delayMs);
    const wanAddress = `198.18.1.${n}`;
    inNs(router, 'ip', 'addr', 'add', `${wanAddress}/15`, 'dev', wan);
    inNs(router, 'ip', 'link', 'add', 'lan', 'type', 'bridge');
    inNs(router, 'ip', 'addr', 'add', `10.${n}.0.1/24`, 'dev', 'lan');
    inNs(router, 'ip', 'link', 'set', 'lan', 'up');
    inNs(router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    // The firewall of every home router: nothing unsolicited from the WAN, to the router or through
    // it. It matters for hole punching: a peer's first check that reaches the router before the
    // router has a mapping is dropped here, before conntrack confirms an entry for it; an accepted
    // one would leave an entry that clashes with the router's own outbound mapping, so MASQUERADE
    // would pick another port and the hole would never open while checks keep refreshing it.
    for (const chain of ['INPUT', 'FORWARD']) {
      inNs(router, 'iptables', '-A', chain, '-i', wan, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
      inNs(router, 'iptables', '-A', chain, '-i', wan, '-j', 'DROP');
    }
    const masquerade = ['-t', 'nat', '-A', 'POSTROUTING', '-o', wan, '-j', 'MASQUERADE'];
    inNs(router, 'iptables', ...masquerade, ...(nat === 'symmetric' ? ['--random-fully'] : []));
    if (nat === 'udp-to-server-only') {
      inNs(router, 'iptables', '-A', 'FORWARD', '-i', 'lan', '-p', 'udp', '!', '-d', SERVER_ADDRESS, '-j', 'DROP');
    }
    const peers: LabHost[] = [];
    for (let j = 1; j <= hosts; j++) {
      const host = this.#namespace(`h${n}-${j}`);
      const lanDevice = `p${j}`;
      const device = this.#veth(host, router, lanDevice);
      inNs(router, 'ip', 'link', 'set', lanDevice, 'master', 'lan');
      const address = `10.${n}.0.${10 + j}`;
      inNs(host, 'ip', 'addr', 'add', `${address}/24`, 'dev', device);
      inNs(host, 'ip', 'route', 'add', 'default', 'via', `10.${n}.0.1`);
      peers.push({ ns: host, address, device, router: { ns: router, lanDevice, wanAddress, nat } });
    }
    return peers;
  }

  /** Caps a host's links and makes them lossy (replacing an earlier shape). */
  shape(host: LabHost, shape: LinkShape): void {
    const cap = (ns: string, device: string, mbit: number | undefined) => {
      if (mbit === undefined) {
        try {
          inNs(ns, 'tc', 'qdisc', 'del', 'dev', device, 'root');
        } catch {
          // no cap to lift
        }
        return;
      }
      // A bucket of 32 KiB (a few full-size packets) and 50 ms of queue, as a home router's uplink.
      inNs(ns, 'tc', 'qdisc', 'replace', 'dev', device, 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', '32kb', 'latency', '50ms');
    };
    cap(host.ns, host.device, shape.upMbit);
    if (host.router) cap(host.router.ns, host.router.lanDevice, shape.downMbit);
    for (const chain of ['INPUT', 'OUTPUT']) {
      inNs(host.ns, 'iptables', '-F', chain);
      if (shape.loss) inNs(host.ns, 'iptables', '-A', chain, '-p', 'udp', '-m', 'statistic', '--mode', 'random', '--probability', String(shape.loss), '-j', 'DROP');
    }
  }

  /** Changes the one-way delay of the WAN cable of a host's home (made with `delayMs`). */
  setDelay(host: LabHost, delayMs: number): void {
    const line = host.router && this.#delayLines.get(host.router.ns);
    if (!line) throw new Error(`lab: ${host.ns}'s home has no delay line`);
    line.stdin!.write(`delay ${delayMs}\n`);
  }

  /** Cuts (or restores) a host's link, as a pulled cable or a lost Wi-Fi would. */
  setLink(host: LabHost, up: boolean): void {
    inNs(host.ns, 'ip', 'link', 'set', host.device, up ? 'up' : 'down');
    // A link going down takes the routes through it along; a peer's default route comes back with it
    // (as DHCP would bring it back at home).
    if (up && host.router) inNs(host.ns, 'ip', 'route', 'replace', 'default', 'via', host.address.replace(/\.\d+$/, '.1'));
  }

  /**
   * A script that runs Chromium inside the host's namespace, for Playwright's executablePath.
   * `ip netns exec` keeps the file descriptors, so Playwright's pipe to the browser still works.
   */
  chromiumIn(host: LabHost, chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'): string {
    const path = join(this.#scratch, `chromium-${host.ns}`);
    writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${host.ns} ${chromium} "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /** Runs a command in a host's namespace and returns its output. */
  exec(host: LabHost, command: string, ...args: string[]): string {
    return inNs(host.ns, command, ...args);
  }

  teardown(): void {
    process.off('exit', this.#onExit);
    for (const line of this.#delayLines.values()) line.kill('SIGKILL');
    this.#delayLines.clear();
    for (const ns of this.#namespaces.splice(0).reverse()) {
      try {
        run('ip', ['netns', 'delete', ns]);
      } catch {
        // already gone
      }
    }
    rmSync(this.#scratch, { recursive: true, force: true });
  }

  #namespace(name: string): string {
    const ns = `${this.#prefix}-${name}`;
    ip('netns', 'add', ns);
    this.#namespaces.push(ns);
    inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    return ns;
  }

  /** A veth pair between two namespaces; returns the name of the end in `a` (the end in `b` is `bDevice`). */
  #veth(a: string, b: string, bDevice: string): string {
    // Interface names have 15 characters at most; the temporary name lives only until the move.
    const temp = `slv${(process.pid % 100000).toString(36)}x${++this.#links}`;
    ip('link', 'add', temp, 'type', 'veth', 'peer', 'name', `${temp}p`);
    ip('link', 'set', temp, 'netns', a);
    ip('link', 'set', `${temp}p`, 'netns', b);
    inNs(a, 'ip', 'link', 'set', temp, 'name', 'eth0');
    inNs(b, 'ip', 'link', 'set', `${temp}p`, 'name', bDevice);
    inNs(a, 'ip', 'link', 'set', 'eth0', 'up');
    inNs(b, 'ip', 'link', 'set', bDevice, 'up');
    return 'eth0';
  }

  /**
   * Plugs `ns` into the internet through a delay line: a TAP device `eth0` in `ns` and one on the
   * internet's bridge, carried between by delay-line.py. Returns the device name in `ns`.
   */
  #delayLineToInternet(ns: string, delayMs: number): string {
    const port = `port${++this.#links}`;
    const line = spawn('python3', [DELAY_LINE, ns, 'eth0', this.#internet, port, String(delayMs)], { stdio: ['pipe', 'ignore', 'inherit'] });
    // Neither the program nor its stdin keeps this process alive; closing stdin (or exiting) ends it.
    line.unref();
    (line.stdin as unknown as Socket).unref();
    this.#delayLines.set(ns, line);
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        inNs(this.#internet, 'ip', 'link', 'show', port);
        inNs(ns, 'ip', 'link', 'show', 'eth0');
        break;
      } catch (error) {
        if (line.exitCode !== null || Date.now() > deadline) throw new Error(`lab: the delay line did not start: ${(error as Error).message}`);
        execFileSync('sleep', ['0.05']);
      }
    }
    inNs(this.#internet, 'ip', 'link', 'set', port, 'master', 'br0');
    inNs(this.#internet, 'ip', 'link', 'set', port, 'up');
    inNs(ns, 'ip', 'link', 'set', 'eth0', 'up');
    return 'eth0';
  }

  #plugIntoInternet(ns: string): string {
    const port = `port${this.#links + 1}`;
    const device = this.#veth(ns, this.#internet, port);
    inNs(this.#internet, 'ip', 'link', 'set', port, 'master', 'br0');
    return device;
  }
}
