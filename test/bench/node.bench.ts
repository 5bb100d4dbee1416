/**
 * `npm run bench -- node`: the headless peer (`shoal`) against its ceilings, in one run, one JSON
 * line per case:
 *   node-to-node     `shoal seed` → `shoal get` (two processes, 256 MiB) vs a raw node-datachannel
 *                    channel between two processes (64 KiB messages, 1 MiB high-water mark);
 *                    goal ≥ 0.85× the raw speed
 *   node-to-chromium `shoal seed` → the app in Chromium (128 MiB) vs a raw channel from a Node
 *                    process to a Chromium page; goal ≥ 0.85×
 *   hash-1gib        hashing a 1 GiB file as `shoal seed` does (every 64 KiB chunk and the whole
 *                    file) vs `sha256sum` (the whole file only); goal ≥ 0.9× its speed
 * BENCH_ROUNDS rounds (3 by default) alternate raw and Shoal; medians of the per-round ratios.
 * BENCH_CASES=n2n,n2c,hash picks cases.
 * Transfers are timed from the first chunk (or message) to the last, as the browser benchmark does,
 * and report machine CPU per MiB (busy time from /proc/stat over the transfer) beside MiB/s; for
 * node-to-node Shoal's CPU window starts with the `shoal get` process (its start-up, ~0.3 s of CPU,
 * and connection included), so its CPU ratio is a little high.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, openApp, randomFile, startServer, type RunningServer } from '../e2e/harness.js';
import { runShoal, type CliRun } from '../e2e/shoal-cli.js';
import { hashDiskFiles } from '../../headless/node-hasher.js';
import { machineBusyMs } from './cpu-meter.js';
import { RAW_SETUP, timedDownload } from './transfer-timing.js';

const MiB = 1024 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CASES = (process.env.BENCH_CASES ?? 'n2n,n2c,hash').split(',');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** One paired round: MiB/s and machine CPU per MiB of the raw channel and of Shoal (and, for node-to-chromium, of the Node processes). */
interface Round {
  raw: number;
  shoal: number;
  rawCpu: number;
  shoalCpu: number;
  rawSender?: number;
  seeder?: number;
}

/** The JSON line of a transfer case: medians of the rounds and of their per-round ratios. */
function transferReport(name: string, mib: number, rounds: Round[]): string {
  const med = (pick: (r: Round) => number) => round2(median(rounds.map(pick)));
  return JSON.stringify({
    case: name,
    mib,
    rounds: rounds.length,
    rawMibps: med((r) => r.raw),
    shoalMibps: med((r) => r.shoal),
    ratio: med((r) => r.shoal / r.raw),
    goal: 0.85,
    rawCpuMsPerMib: med((r) => r.rawCpu),
    shoalCpuMsPerMib: med((r) => r.shoalCpu),
    cpuRatio: med((r) => r.shoalCpu / r.rawCpu),
    // The Node side alone (node-to-chromium): the raw sender process, and the shoal seeder process.
    ...(rounds[0]?.seeder !== undefined ? { rawSenderCpuMsPerMib: med((r) => r.rawSender!), seederCpuMsPerMib: med((r) => r.seeder!) } : {}),
    perRound: rounds.map((r) => ({ raw: round2(r.raw), shoal: round2(r.shoal) })),
  });
}

/** A raw node-datachannel peer in its own process (raw-node-peer.mjs), answered message by message. */
function rawNodePeer(): { child: ChildProcess; ask: <T>(message: object, answer: string) => Promise<T> } {
  const child = fork('test/bench/raw-node-peer.mjs', [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = <T>(message: object, answer: string) =>
    new Promise<T>((resolve) => {
      const on = (reply: { type: string }) => {
        if (reply.type !== answer) return;
        child.off('message', on);
        resolve(reply as T);
      };
      child.on('message', on);
      child.send(message);
    });
  return { child, ask };
}

/** CPU milliseconds a process has used (user + system, all its threads). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Machine CPU over `work`, per MiB moved. */
async function withCpu<T>(mib: number, work: () => Promise<T>): Promise<{ result: T; cpuMsPerMib: number }> {
  const before = machineBusyMs();
  const result = await work();
  return { result, cpuMsPerMib: (machineBusyMs() - before) / mib };
}

async function rawNodeToNode(bytes: number): Promise<{ mibps: number; cpuMsPerMib: number }> {
  const sender = rawNodePeer();
  const receiver = rawNodePeer();
  try {
    const { sdp: offer } = await sender.ask<{ sdp: string }>({ type: 'offer' }, 'offer');
    const { sdp: answer } = await receiver.ask<{ sdp: string }>({ type: 'answer', sdp: offer }, 'answer');
    await sender.ask({ type: 'accept', sdp: answer }, 'open');
    receiver.child.send({ type: 'expect', bytes });
    const { result, cpuMsPerMib } = await withCpu(bytes / MiB, async () => {
      const received = receiver.ask<{ ms: number }>({ type: 'noop' }, 'received');
      sender.child.send({ type: 'send', bytes });
      return (await received).ms;
    });
    return { mibps: bytes / MiB / (result / 1000), cpuMsPerMib };
  } finally {
    sender.child.kill();
    receiver.child.kill();
  }
}

async function rawNodeToChromium(page: Page, bytes: number): Promise<{ mibps: number; cpuMsPerMib: number; senderCpuMsPerMib: number }> {
  const sender = rawNodePeer();
  try {
    await page.evaluate(RAW_SETUP);
    const { sdp: offer } = await sender.ask<{ sdp: string }>({ type: 'offer' }, 'offer');
    const answer = await page.evaluate(
      `(async () => {
        const pc = rawConnection();
        Object.assign(window, { rawExpected: ${bytes}, rawBytes: 0, rawStarted: 0 });
        window.rawReceived = new Promise((resolve) => (window.rawDone = resolve));
        pc.ondatachannel = ({ channel }) => {
          channel.binaryType = 'arraybuffer';
          channel.onmessage = (event) => {
            if (rawStarted === 0) rawStarted = performance.now();
            rawBytes += event.data.byteLength;
            if (rawBytes >= rawExpected) rawDone(performance.now() - rawStarted);
          };
        };
        await pc.setRemoteDescription({ type: 'offer', sdp: ${JSON.stringify(offer)} });
        await pc.setLocalDescription();
        await rawGathered(pc);
        return pc.localDescription.sdp;
      })()`,
    );
    await sender.ask({ type: 'accept', sdp: answer }, 'open');
    const senderBefore = processCpuMs(sender.child.pid!);
    const { result, cpuMsPerMib } = await withCpu(bytes / MiB, async () => {
      const received = page.evaluate('rawReceived') as Promise<number>;
      sender.child.send({ type: 'send', bytes });
      return received;
    });
    const senderCpuMsPerMib = (processCpuMs(sender.child.pid!) - senderBefore) / (bytes / MiB);
    await page.evaluate('rawPcs.forEach((pc) => pc.close())');
    return { mibps: bytes / MiB / (result / 1000), cpuMsPerMib, senderCpuMsPerMib };
  } finally {
    sender.child.kill();
  }
}

const server: RunningServer = await startServer();
const work = await mkdtemp(join(tmpdir(), 'shoal-bench-node-'));
const runs: CliRun[] = [];
const shoal = (args: string[], state: string) => {
  const run = runShoal([...args, '--server', server.url, '--state', join(work, state)], { cwd: work });
  runs.push(run);
  return run;
};

try {
  // ---- Node to Node ----
  if (CASES.includes('n2n')) {
    const size = 256 * MiB;
    const file = await randomFile('n2n.bin', size);
    const seeder = shoal(['seed', file.path, '--name', 'bench-seeder'], 'seeder');
    const shareId = (await seeder.waitFor((e) => e.event === 'seeding', 60_000, 'seeding')).id as string;
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const raw = await rawNodeToNode(size);
      const out = join(work, `n2n-${i}`);
      const before = machineBusyMs();
      const get = shoal(['get', shareId, '--out', out, '--name', `bench-getter-${i}`], `getter-${i}`);
      const done = await get.waitFor((e) => e.event === 'done', 300_000, 'the download');
      const cpuMs = machineBusyMs() - before; // includes the getter's start and connection setup
      await get.exited;
      const fromFirstChunk = done.fromFirstChunk as number;
      rounds.push({ raw: raw.mibps, shoal: size / MiB / fromFirstChunk, rawCpu: raw.cpuMsPerMib, shoalCpu: cpuMs / (size / MiB) });
      await rm(out, { recursive: true, force: true });
    }
    seeder.child.kill('SIGINT');
    await seeder.exited;
    await file.cleanup();
    console.log(transferReport('node-to-node', size / MiB, rounds));
  }

  // ---- Node to Chromium ----
  if (CASES.includes('n2c')) {
    const size = 128 * MiB;
    const file = await randomFile('n2c.bin', size);
    const seeder = shoal(['seed', file.path, '--name', 'bench-seeder'], 'seeder-c');
    const shareId = (await seeder.waitFor((e) => e.event === 'seeding', 60_000, 'seeding')).id as string;
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const browser = await launchBrowser();
      try {
        await openApp(browser.page, server.url);
        const raw = await rawNodeToChromium(browser.page, size);
        const before = machineBusyMs();
        const seederBefore = processCpuMs(seeder.child.pid!);
        const timed = await timedDownload(browser.page, 'n2c.bin', shareId);
        const cpuMs = machineBusyMs() - before;
        const seederMs = processCpuMs(seeder.child.pid!) - seederBefore;
        rounds.push({ raw: raw.mibps, shoal: size / MiB / timed.fromFirstChunk, rawCpu: raw.cpuMsPerMib, shoalCpu: cpuMs / (size / MiB), rawSender: raw.senderCpuMsPerMib, seeder: seederMs / (size / MiB) });
      } finally {
        await browser.close();
      }
    }
    seeder.child.kill('SIGINT');
    await seeder.exited;
    await file.cleanup();
    console.log(transferReport('node-to-chromium', size / MiB, rounds));
  }

  // ---- hashing 1 GiB ----
  if (CASES.includes('hash')) {
    const size = 1024 * MiB;
    const file = await randomFile('hash.bin', size);
    execFileSync('sha256sum', [file.path]); // the page cache holds it for both
    const rounds: { sha256sum: number; shoal: number; shoalCpu: number; sumCpu: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      let started = performance.now();
      const sum = await withCpu(size / MiB, async () => execFileSync('sha256sum', [file.path]));
      const sumSeconds = (performance.now() - started) / 1000;
      started = performance.now();
      const ours = await withCpu(size / MiB, () => hashDiskFiles([{ at: file.path, size }]));
      const shoalSeconds = (performance.now() - started) / 1000;
      if (!sum.result.toString().startsWith(ours.result.fileHash)) throw new Error('the whole-file hashes differ');
      rounds.push({ sha256sum: size / MiB / sumSeconds, shoal: size / MiB / shoalSeconds, sumCpu: sum.cpuMsPerMib, shoalCpu: ours.cpuMsPerMib });
    }
    await file.cleanup();
    console.log(
      JSON.stringify({
        case: 'hash-1gib',
        sha256sumMibps: round2(median(rounds.map((r) => r.sha256sum))),
        shoalMibps: round2(median(rounds.map((r) => r.shoal))),
        ratio: round2(median(rounds.map((r) => r.shoal / r.sha256sum))),
        goal: 0.9,
        sha256sumCpuMsPerMib: round2(median(rounds.map((r) => r.sumCpu))),
        shoalCpuMsPerMib: round2(median(rounds.map((r) => r.shoalCpu))),
        note: 'shoal computes every 64 KiB chunk hash and the whole-file hash in one read; sha256sum the whole-file hash only',
      }),
    );
  }
} finally {
  for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGINT');
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
