/**
 * CPU over a window of a benchmark, as the machine and as each process and thread of it saw it:
 * machine-wide busy time from /proc/stat, and every thread's user+system time from
 * /proc/<pid>/task/<tid>/stat for the processes of each labelled browser (found by the tag that
 * launchBrowser puts on its command line) and of the server (its process and children). Threads
 * are named as the kernel knows them (Chromium names its own: CrRendererMain, DedicatedWorker,
 * WebRTC_Network, Chrome_ChildIOThread...), so the split says which part of which process spent it.
 * Beside CPU, the machine's UDP datagrams over the window (/proc/net/snmp and snmp6, IPv4 and IPv6):
 * how many packets the transfer took per MiB, and how many a full socket receive buffer dropped (each
 * a retransmission, and a congestion-window cut, for SCTP). With the transport threads' CPU per
 * datagram, that says whether a transfer cost more because it sent more packets or because each
 * packet cost more (the machine's drift).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux (getconf CLK_TCK)
const MiB = 1024 * 1024;

/** Busy (not idle, not iowait) milliseconds of the whole machine since boot. */
export function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as number[];
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * TICK_MS;
}

/** Bytes of memory the machine has in use now (MemTotal - MemAvailable, /proc/meminfo). */
export function machineMemoryUsed(): number {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(meminfo)![1]);
  return (kib('MemTotal') - kib('MemAvailable')) * 1024;
}

/** The threads that carry WebRTC's packets and nothing else: what a raw data channel spends. */
const TRANSPORT_THREADS = [/\/network\/Chrome_ChildIOT/, /\/renderer\/WebRTC_W_and_N/, /\/renderer\/Chrome_ChildIOT/];

/** The machine's UDP datagrams sent, and dropped because a socket's receive buffer was full, since boot (IPv4 and IPv6). */
function udpCounters(): { sent: number; dropped: number } {
  const [names, values] = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('Udp:'))
    .map((line) => line.split(/\s+/));
  const v6 = new Map(readFileSync('/proc/net/snmp6', 'utf8').split('\n').map((line) => line.trim().split(/\s+/) as [string, string]));
  const both = (name: string) => Number(values![names!.indexOf(name)] ?? 0) + Number(v6.get(`Udp6${name}`) ?? 0);
  return { sent: both('OutDatagrams'), dropped: both('RcvbufErrors') };
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  cmdline: string;
}

function processes(): ProcessInfo[] {
  const list: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      list.push({ pid: Number(entry), ppid, cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // it ended while we looked
    }
  }
  return list;
}

function family(all: ProcessInfo[], rootPid: number): ProcessInfo[] {
  const members = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (members.has(p.ppid) && !members.has(p.pid)) (members.add(p.pid), (grew = true));
  }
  return all.filter((p) => members.has(p.pid));
}

/** What a Chromium process is, from its command line. */
function chromiumKind(cmdline: string): string {
  const type = /--type=(\S+)/.exec(cmdline)?.[1];
  if (!type) return 'browser';
  if (type === 'utility') {
    const sub = /--utility-sub-type=(\S+)/.exec(cmdline)?.[1] ?? '';
    if (sub.includes('NetworkService')) return 'network';
    if (sub.includes('StorageService')) return 'storage';
    return `utility:${sub.split('.')[0]}`;
  }
  if (type === 'gpu-process') return 'gpu';
  return type;
}

/** Numbers in thread names (ThreadPoolForegroundWorker, DedicatedWorker thread 3...) folded together. */
const threadGroup = (comm: string) => comm.replace(/\d+$/, '#').replace(/\s+$/, '');

interface ThreadSample {
  /** `${owner}/${kind}` */
  process: string;
  thread: string;
  ms: number;
}

export interface CpuWatch {
  label: string;
  /** A browser's tag (launchBrowser) or a process id (the server). */
  tag?: string;
  pid?: number;
}

function sampleThreads(watches: readonly CpuWatch[]): Map<string, ThreadSample> {
  const all = processes();
  const samples = new Map<string, ThreadSample>();
  for (const watch of watches) {
    const root = watch.pid ?? all.find((p) => watch.tag && p.cmdline.includes(`--shoal-test-tag=${watch.tag}`) && !p.cmdline.includes('--type='))?.pid;
    if (root === undefined) continue;
    for (const proc of family(all, root)) {
      const kind = watch.tag ? chromiumKind(proc.cmdline) : proc.pid === root ? 'main' : 'child';
      let tids: string[] = [];
      try {
        tids = readdirSync(`/proc/${proc.pid}/task`);
      } catch {
        continue;
      }
      for (const tid of tids) {
        try {
          const stat = readFileSync(`/proc/${proc.pid}/task/${tid}/stat`, 'utf8');
          const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
          samples.set(`${proc.pid}/${tid}`, { process: `${watch.label}/${kind}`, thread: threadGroup(comm), ms });
        } catch {
          // the thread ended
        }
      }
    }
  }
  return samples;
}

export interface CpuReport {
  /** Machine-wide busy CPU over the window, ms. */
  machineMs: number;
  machineMsPerMib: number;
  /** Busy ms per process (`owner/kind`), largest first. */
  processes: Record<string, number>;
  /** Busy ms per thread group within each process, largest first, threads under 0.5% of the machine left out. */
  threads: Record<string, number>;
  parts: CpuParts;
}

/** Where a window's CPU went, per MiB moved, and the UDP datagrams it took. */
export interface CpuParts {
  /** The watched browsers' transport threads (TRANSPORT_THREADS), their other threads, and the rest of the machine, ms per MiB. */
  transportMsPerMib: number;
  otherThreadsMsPerMib: number;
  unwatchedMsPerMib: number;
  /** UDP datagrams sent per MiB moved, and dropped (receive buffer full) per MiB. */
  datagramsPerMib: number;
  droppedPerMib: number;
  /** Transport threads' CPU per 1000 datagrams sent: the price of a packet in this window. */
  transportMsPerKiloDatagram: number;
}

/** Starts watching now; `stop(mib)` reports what the window cost, per MiB moved. */
export function watchCpu(watches: readonly CpuWatch[]): { stop: (mib: number) => CpuReport } {
  const machineStart = machineBusyMs();
  const udpStart = udpCounters();
  const start = sampleThreads(watches);
  return {
    stop(mib: number): CpuReport {
      const machineMs = machineBusyMs() - machineStart;
      const udpEnd = udpCounters();
      const end = sampleThreads(watches);
      const byProcess = new Map<string, number>();
      const byThread = new Map<string, number>();
      for (const [key, sample] of end) {
        const spent = sample.ms - (start.get(key)?.ms ?? 0);
        if (spent <= 0) continue;
        byProcess.set(sample.process, (byProcess.get(sample.process) ?? 0) + spent);
        const threadKey = `${sample.process}/${sample.thread}`;
        byThread.set(threadKey, (byThread.get(threadKey) ?? 0) + spent);
      }
      const sorted = (map: Map<string, number>, min = 0) =>
        Object.fromEntries([...map].filter(([, ms]) => ms >= min).sort((a, b) => b[1] - a[1]));
      let transportMs = 0;
      let watchedMs = 0;
      for (const [key, ms] of byThread) {
        watchedMs += ms;
        if (TRANSPORT_THREADS.some((pattern) => pattern.test(key))) transportMs += ms;
      }
      const sent = udpEnd.sent - udpStart.sent;
      const perMib = (n: number) => Math.round((n / mib) * 10) / 10;
      return {
        machineMs,
        machineMsPerMib: perMib(machineMs),
        processes: sorted(byProcess),
        threads: sorted(byThread, machineMs * 0.005),
        parts: {
          transportMsPerMib: perMib(transportMs),
          otherThreadsMsPerMib: perMib(watchedMs - transportMs),
          unwatchedMsPerMib: perMib(machineMs - watchedMs),
          datagramsPerMib: perMib(sent),
          droppedPerMib: perMib(udpEnd.dropped - udpStart.dropped),
          transportMsPerKiloDatagram: sent > 0 ? Math.round((transportMs / sent) * 1000 * 100) / 100 : 0,
        },
      };
    },
  };
}

export const bytesToMib = (bytes: number) => bytes / MiB;
