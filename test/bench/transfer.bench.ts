/**
 * `npm run bench -- transfer`: throughput, CPU and memory of Shoal transfers next to the raw ceiling,
 * all in one run with the same Chromium build and flags, one JSON line per case.
 *   fresh-shoal-1to1  two new browsers: a raw run between them, then a 256 MiB file shared in one
 *                     and downloaded at once in the other, as a new user meets it (BENCH_FRESH_ROUNDS,
 *                     3 by default; medians of the per-round ratios to the raw run)
 *   fresh-private-1to1  the same in two private windows (fresh incognito contexts, whose storage
 *                     lives in memory in the browser process); BENCH_CASES=private
 *   raw-datachannel   plain 64 KiB messages between two browsers, backpressured at 1 MiB
 *   raw-datachannel-3to1  the same from three browsers at once into one page, against raw 1→1
 *   shoal-1to1        a 256 MiB share, one seeder, against the raw runs either side of it
 *   shoal-3to1        the same share, three seeders, against the 1→1 and the raw 3→1 of its round
 * (BENCH_ROUNDS rounds, 3 by default, interleaved; medians of the paired ratios)
 *   share-hashing     sharing a 1 GiB file (hash + copy into OPFS), and hashing alone, vs sha256sum
 *   download-1gib     peak renderer RSS growth of the leecher during a 1 GiB download
 *   share-by-handle   a 1 GiB and a 4 GiB file dropped (read where it lies, no copy) in a new browser:
 *                     drop to seeding (one hashing pass + announce) vs sha256sum (BENCH_SHARE_MIB)
 *   read-ceiling      after each share-by-handle: the same file read in a blank page by 1 and 2
 *                     workers, with and without a SHA-256 per 64 KiB chunk, vs sha256sum: the bound
 *                     on sharing by handle whatever the share id is made of (read-ceiling.ts)
 * Every transfer case reports machine CPU per MiB (busy time from /proc/stat over the transfer) and
 * its ratio to the raw channel's, with the split by process and thread of its median run
 * (cpu-meter.ts). BENCH_PROFILE=<dir> also writes V8 CPU profiles of every page and worker of the
 * first fresh round's two browsers (cpu-profile.ts); the profiler's own cost makes that round's
 * figures unrepresentative, so it is an extra round. BENCH_CASES=fresh,private,warm,large,share picks cases.
 * BENCH_PIN=1 runs the fresh cases' two browsers on a core each (pinned-chromium.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { connectRaw, RAW_SETUP, rawDataChannel, timedDownload } from './transfer-timing.js';
import { watchCpu, type CpuReport, type CpuWatch } from './cpu-meter.js';
import { profileBrowser } from './cpu-profile.js';
import { readCeiling } from './read-ceiling.js';
import { pinnedChromium } from './pinned-chromium.js';
import {
  engineState,
  launchBrowser,
  openApp,
  randomFile,
  rendererRss,
  sampleRendererRss,
  shareByDrop,
  shareFromDisk,
  startServer,
  waitForState,
  type LaunchedBrowser,
} from '../e2e/harness.js';

const MiB = 1024 * 1024;
const RAW_BYTES = 256 * MiB;
const SHARE_BYTES = 256 * MiB;
const LARGE_BYTES = 1024 * MiB;
/** Sizes (MiB) shared by handle in the share case (BENCH_SHARE_MIB, comma-separated). */
const SHARE_BY_HANDLE_MIB = (process.env.BENCH_SHARE_MIB ?? '1024,4096').split(',').map(Number);
/** Rounds of raw / 1→1 / 3→1 (BENCH_ROUNDS); more rounds, steadier medians. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const FRESH_ROUNDS = Math.max(1, Number(process.env.BENCH_FRESH_ROUNDS ?? 3));
/** Worker counts, with and without a per-chunk SHA-256, of the read-ceiling runs after each share. */
const READ_CEILING_RUNS = [1, 2].flatMap((workers) => [false, true].map((digest) => ({ workers, digest })));
const CASES = new Set((process.env.BENCH_CASES ?? 'fresh,private,warm,large,share').split(','));
const PROFILE_DIR = process.env.BENCH_PROFILE;
/** BENCH_PIN=1: the fresh cases' seeder runs on CPU 0 and its leecher on CPU 1 (pinned-chromium.ts). */
const PIN = process.env.BENCH_PIN === '1';

function report(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'transfer', ...fields }));
}

/** Seconds `sha256sum` takes over the file at `path` (the page cache warmed by the caller). */
function sha256sumSeconds(path: string): number {
  const started = performance.now();
  execFileSync('sha256sum', [path]);
  return (performance.now() - started) / 1000;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The run whose CPU per MiB is the median: its split is the one reported. */
function medianSplit(reports: CpuReport[]): Pick<CpuReport, 'processes' | 'threads'> {
  const sorted = [...reports].sort((a, b) => a.machineMsPerMib - b.machineMsPerMib);
  const { processes, threads } = sorted[(sorted.length - 1) >> 1]!;
  return { processes, threads };
}

/**
 * Medians of where a case's CPU went, per MiB: the transport threads, the browsers' other threads,
 * the rest of the machine; and of the UDP datagrams it took (sent, dropped) and the transport's CPU
 * per 1000 of them (see cpu-meter.ts).
 */
function cpuParts(reports: CpuReport[]): Record<string, number> {
  const keys = Object.keys(reports[0]!.parts) as (keyof CpuReport['parts'])[];
  return Object.fromEntries(keys.map((key) => [key, round(median(reports.map((r) => r.parts[key])), 1)]));
}

/** CPU fields of a case: median ms/MiB, the median of its paired ratios to raw, its parts, and the split. */
function cpuFields(reports: CpuReport[], rawMsPerMib?: number[]): Record<string, unknown> {
  return {
    cpuMsPerMib: round(median(reports.map((r) => r.machineMsPerMib)), 1),
    ...(rawMsPerMib ? { cpuRatioToRaw: round(median(reports.map((r, i) => r.machineMsPerMib / rawMsPerMib[i]!))) } : {}),
    cpuRuns: reports.map((r) => r.machineMsPerMib),
    cpuParts: cpuParts(reports),
    cpuSplitMs: medianSplit(reports),
  };
}

/** Runs `transfer` (moving `bytes`) with the CPU of `watches` measured over it. */
async function measured<T>(watches: CpuWatch[], bytes: number, transfer: () => Promise<T>): Promise<{ result: T; cpu: CpuReport }> {
  const watch = watchCpu(watches);
  const result = await transfer();
  return { result, cpu: watch.stop(bytes / MiB) };
}

const server = await startServer();
// BENCH_PLANE=page|worker forces where the data plane runs (default: the app's own choice).
const appUrl = process.env.BENCH_PLANE ? `${server.url}/?plane=${process.env.BENCH_PLANE}` : server.url;
const browsers: LaunchedBrowser[] = [];
const files: Awaited<ReturnType<typeof randomFile>>[] = [];
const watchesOf = (labelled: [string, LaunchedBrowser][]): CpuWatch[] => [
  ...labelled.map(([label, b]) => ({ label, tag: b.tag })),
  { label: 'server', pid: server.process.pid! },
];

/** Raw pages in `senders`' and `receiver`'s browsers, each sender connected to the receiver. */
async function rawPages(senders: LaunchedBrowser[], receiver: LaunchedBrowser): Promise<{ senders: Page[]; receiver: Page; close: () => Promise<void> }> {
  const senderPages: Page[] = [];
  for (const b of senders) senderPages.push(await b.context.newPage());
  const receiverPage = await receiver.context.newPage();
  for (const p of [...senderPages, receiverPage]) {
    await p.goto(`${server.url}/api/health`);
    await p.evaluate(RAW_SETUP);
  }
  for (const sender of senderPages) await connectRaw(sender, receiverPage);
  return { senders: senderPages, receiver: receiverPage, close: async () => void (await Promise.all([...senderPages, receiverPage].map((p) => p.close()))) };
}

/**
 * As a new user meets it: two new browsers, a raw run between them, then the app opened in both,
 * a file shared in one and downloaded at once in the other (no warm pages, no earlier rounds).
 */
async function freshRound(share: { path: string }, profileDir?: string, incognito = false) {
  const onCpu = async (cpu: number) => (PIN ? { executablePath: await pinnedChromium(cpu) } : {});
  const pair = [await launchBrowser({ incognito, ...(await onCpu(0)) }), await launchBrowser({ incognito, ...(await onCpu(1)) })] as const;
  browsers.push(...pair);
  const [seeder, leecher] = pair;
  const watches = watchesOf([['seeder', seeder], ['leecher', leecher]]);
  try {
    const raw = await rawPages([seeder], leecher);
    const rawRun = await measured(watches, RAW_BYTES, () => rawDataChannel(raw.senders, raw.receiver, RAW_BYTES));
    await raw.close();
    await openApp(seeder.page, appUrl);
    await openApp(leecher.page, appUrl);
    const shareId = await shareFromDisk(seeder.page, share.path, 'fresh-256.bin', 120_000);
    const stopProfiles = profileDir ? await Promise.all([profileBrowser(seeder.browser!, 'seeder', profileDir), profileBrowser(leecher.browser!, 'leecher', profileDir)]) : [];
    const shoalRun = await measured(watches, SHARE_BYTES, () => timedDownload(leecher.page, 'fresh-256.bin', shareId));
    for (const stop of stopProfiles) console.error((await stop()).join('\n'));
    return { raw: rawRun.result, rawCpu: rawRun.cpu, rate: SHARE_BYTES / MiB / shoalRun.result.seconds, cpu: shoalRun.cpu };
  } finally {
    await Promise.all(pair.map((b) => b.close()));
    browsers.splice(browsers.indexOf(seeder), 2);
  }
}

/** The normal windows' medians, when that case ran first: the private case reports itself against them. */
let normalWindows: { mibPerSecond: number; cpuMsPerMib: number } | undefined;

async function freshCases(incognito: boolean): Promise<void> {
  const share = await randomFile('fresh-256.bin', SHARE_BYTES);
  files.push(share);
  if (PROFILE_DIR) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    console.error(`transfer bench: V8 profiles of a fresh 1→1 round in ${PROFILE_DIR}`);
    await freshRound(share, PROFILE_DIR, incognito);
  }
  const rounds = [];
  for (let i = 0; i < FRESH_ROUNDS; i++) rounds.push(await freshRound(share, undefined, incognito));
  const medians = { mibPerSecond: median(rounds.map((r) => r.rate)), cpuMsPerMib: median(rounds.map((r) => r.cpu.machineMsPerMib)) };
  if (!incognito) normalWindows = medians;
  report({
    case: incognito ? 'fresh-private-1to1' : 'fresh-shoal-1to1',
    mib: SHARE_BYTES / MiB,
    ...(PIN ? { pinned: 'seeder on CPU 0, leecher on CPU 1' } : {}),
    rounds: FRESH_ROUNDS,
    mibPerSecond: round(median(rounds.map((r) => r.rate))),
    rawMibPerSecond: round(median(rounds.map((r) => r.raw))),
    ratioToRaw: round(median(rounds.map((r) => r.rate / r.raw))),
    rawCpuMsPerMib: round(median(rounds.map((r) => r.rawCpu.machineMsPerMib)), 1),
    ...cpuFields(
      rounds.map((r) => r.cpu),
      rounds.map((r) => r.rawCpu.machineMsPerMib),
    ),
    rawCpuParts: cpuParts(rounds.map((r) => r.rawCpu)),
    rawCpuSplitMs: medianSplit(rounds.map((r) => r.rawCpu)),
    runs: rounds.map((r) => ({
      mibPerSecond: round(r.rate),
      rawMibPerSecond: round(r.raw),
      cpuMsPerMib: r.cpu.machineMsPerMib,
      rawCpuMsPerMib: r.rawCpu.machineMsPerMib,
      datagramsPerMib: r.cpu.parts.datagramsPerMib,
      rawDatagramsPerMib: r.rawCpu.parts.datagramsPerMib,
    })),
    ...(incognito && normalWindows
      ? { speedOfNormalWindows: round(medians.mibPerSecond / normalWindows.mibPerSecond), cpuOfNormalWindows: round(medians.cpuMsPerMib / normalWindows.cpuMsPerMib) }
      : {}),
    target: 'ratioToRaw >= 0.85, cpuRatioToRaw <= 1.3',
  });
}

try {
  if (CASES.has('fresh')) await freshCases(false);
  if (CASES.has('private')) await freshCases(true);
  const launches = CASES.has('warm') || CASES.has('large') ? 4 : 0;
  for (let i = 0; i < launches; i++) browsers.push(await launchBrowser());
  const [seeder, leecher, seeder2, seeder3] = browsers as [LaunchedBrowser, LaunchedBrowser, LaunchedBrowser, LaunchedBrowser];
  for (const b of browsers) await openApp(b.page, appUrl);

  if (CASES.has('warm')) {
    // The ceilings: what plain data channels between these browsers carry with no protocol at all,
    // from one sender and from three at once (the 3→1 topology's own limit on this machine).
    const rawSenders: Page[] = [];
    for (const b of [seeder, seeder2, seeder3]) rawSenders.push(await b.context.newPage());
    const rawReceiver = await leecher.context.newPage();
    for (const p of [...rawSenders, rawReceiver]) {
      await p.goto(`${server.url}/api/health`);
      await p.evaluate(RAW_SETUP);
    }
    for (const sender of rawSenders) await connectRaw(sender, rawReceiver);
    const watches = watchesOf([['seeder', seeder], ['leecher', leecher], ['seeder2', seeder2], ['seeder3', seeder3]]);
    const rawCpu: CpuReport[] = [];
    const raw3Cpu: CpuReport[] = [];
    const oneCpu: CpuReport[] = [];
    const threeCpu: CpuReport[] = [];
    /** Runs `transfer` with its CPU measured into `into`. */
    const cpuOf = async <T>(into: CpuReport[], bytes: number, transfer: () => Promise<T>): Promise<T> => {
      const { result, cpu } = await measured(watches, bytes, transfer);
      into.push(cpu);
      return result;
    };
    const raw = () => cpuOf(rawCpu, RAW_BYTES, () => rawDataChannel(rawSenders.slice(0, 1), rawReceiver, RAW_BYTES));
    const raw3 = () => cpuOf(raw3Cpu, RAW_BYTES, () => rawDataChannel(rawSenders, rawReceiver, RAW_BYTES));

    const share = await randomFile('bench-256.bin', SHARE_BYTES);
    files.push(share);
    const shareId = await shareFromDisk(seeder.page, share.path, 'bench-256.bin', 120_000);
    await shareFromDisk(seeder2.page, share.path, 'bench-256.bin', 120_000);
    await shareFromDisk(seeder3.page, share.path, 'bench-256.bin', 120_000);
    const extraSeeders = [seeder2, seeder3];
    const leaveRoom = () => Promise.all(extraSeeders.map((b) => b.page.goto('about:blank')));
    // Stored shares are re-announced when the app loads, so the two extra seeders are back.
    const rejoinRoom = () => Promise.all(extraSeeders.map((b) => openApp(b.page, appUrl)));
    const forget = async () => {
      await leecher.page.getByRole('button', { name: 'Remove bench-256.bin' }).click();
      await waitForState(leecher.page, (s) => !s.shares.some((x) => x.id === shareId), 30_000, 'removal');
      await openApp(leecher.page, appUrl); // a fresh session: the room no longer lists it as a holder
    };

    // Rounds of raw 1→1, Shoal 1→1, Shoal 3→1, raw 3→1, closed by one more raw 1→1: each 1→1 is
    // compared with the raw 1→1 runs either side of it, each Shoal 3→1 with the Shoal 1→1 just before
    // it and the raw 3→1 just after it, since this VM's speed drifts by ±25% from one run to the next.
    // The medians of those paired ratios are the figures.
    const raws: number[] = [];
    const raws3: number[] = [];
    const ones: { rate: number; streaming: number }[] = [];
    const threes: { rate: number; streaming: number; chunksPerSeeder: number[] }[] = [];
    await leaveRoom();
    for (let roundNo = 0; roundNo < ROUNDS; roundNo++) {
      raws.push(await raw());
      const one = await cpuOf(oneCpu, SHARE_BYTES, () => timedDownload(leecher.page, 'bench-256.bin', shareId));
      await forget();
      await rejoinRoom();
      const three = await cpuOf(threeCpu, SHARE_BYTES, () => timedDownload(leecher.page, 'bench-256.bin', shareId));
      const chunksPerSeeder = (await engineState(leecher.page)).peers.map((p) => p.chunksReceived).filter((n) => n > 0);
      await forget();
      await leaveRoom();
      raws3.push(await raw3());
      ones.push({ rate: SHARE_BYTES / MiB / one.seconds, streaming: SHARE_BYTES / MiB / one.fromFirstChunk });
      threes.push({ rate: SHARE_BYTES / MiB / three.seconds, streaming: SHARE_BYTES / MiB / three.fromFirstChunk, chunksPerSeeder });
    }
    raws.push(await raw());
    await Promise.all([...rawSenders, rawReceiver].map((p) => p.close()));
    await rejoinRoom();
    const rawCeiling = (i: number) => (raws[i]! + raws[i + 1]!) / 2;
    /** The raw 1→1 CPU per MiB either side of round i. */
    const rawCpuAround = (i: number) => (rawCpu[i]!.machineMsPerMib + rawCpu[i + 1]!.machineMsPerMib) / 2;
    const oneRatios = ones.map((one, i) => ({ rate: one.rate, ratio: one.rate / rawCeiling(i), streamingRatio: one.streaming / rawCeiling(i) }));
    report({ case: 'raw-datachannel', mib: RAW_BYTES / MiB, mibPerSecond: round(median(raws)), runs: raws.map((r) => round(r)), ...cpuFields(rawCpu) });
    report({
      case: 'raw-datachannel-3to1',
      mib: RAW_BYTES / MiB,
      mibPerSecond: round(median(raws3)),
      // What three senders gain over one with no protocol at all: the ceiling of Shoal's 3→1 / 1→1 here.
      ratioToRaw1to1: round(median(raws3.map((r, i) => r / rawCeiling(i)))),
      runs: raws3.map((r) => round(r)),
      ...cpuFields(
        raw3Cpu,
        raw3Cpu.map((_, i) => rawCpuAround(i)),
      ),
    });
    report({
      case: 'shoal-1to1',
      mib: SHARE_BYTES / MiB,
      dataPlane: (await engineState(leecher.page)).dataPlane,
      rounds: ROUNDS,
      mibPerSecond: round(median(oneRatios.map((o) => o.rate))),
      ratioToRaw: round(median(oneRatios.map((o) => o.ratio))),
      ratioToRawFromFirstChunk: round(median(oneRatios.map((o) => o.streamingRatio))),
      runs: oneRatios.map((o, i) => ({
        mibPerSecond: round(o.rate),
        ratioToRaw: round(o.ratio),
        ratioToRawFromFirstChunk: round(o.streamingRatio),
        datagramsPerMib: oneCpu[i]!.parts.datagramsPerMib,
        rawDatagramsPerMib: round((rawCpu[i]!.parts.datagramsPerMib + rawCpu[i + 1]!.parts.datagramsPerMib) / 2, 1),
      })),
      ...cpuFields(
        oneCpu,
        oneCpu.map((_, i) => rawCpuAround(i)),
      ),
      target: 'ratioToRaw >= 0.9, cpuRatioToRaw <= 1.3',
    });
    report({
      case: 'shoal-3to1',
      mib: SHARE_BYTES / MiB,
      rounds: ROUNDS,
      mibPerSecond: round(median(threes.map((t) => t.rate))),
      ratioTo1to1: round(median(threes.map((t, i) => t.rate / ones[i]!.rate))),
      ratioToRaw3to1: round(median(threes.map((t, i) => t.rate / raws3[i]!))),
      runs: threes.map((t, i) => ({
        mibPerSecond: round(t.rate),
        mibPerSecondFromFirstChunk: round(t.streaming),
        ratioTo1to1: round(t.rate / ones[i]!.rate),
        ratioToRaw3to1: round(t.rate / raws3[i]!),
        chunksPerSeeder: t.chunksPerSeeder,
      })),
      // Against the raw 3→1 of its round (three senders' transport).
      ...cpuFields(threeCpu, raw3Cpu.map((r) => r.machineMsPerMib)),
      target: '>= 1to1',
    });
    for (const b of extraSeeders) await b.page.getByRole('button', { name: 'Remove bench-256.bin' }).click();
  }

  if (CASES.has('large')) {
    const large = await randomFile('bench-1g.bin', LARGE_BYTES);
    files.push(large);
    execFileSync('cat', [large.path], { stdio: 'ignore', maxBuffer: 0 }); // warm the page cache for both
    const sha256sumRate = LARGE_BYTES / MiB / sha256sumSeconds(large.path);
    await seeder.page.evaluate(() => {
      const input = Object.assign(document.createElement('input'), { type: 'file', id: 'bench-input' });
      input.hidden = true;
      document.body.append(input);
    });
    await seeder.page.setInputFiles('#bench-input', large.path);
    const hashSeconds = await seeder.page.evaluate(async () => {
      const file = (document.getElementById('bench-input') as HTMLInputElement).files![0]!;
      const hasher = (globalThis as any).shoal.components.hasher;
      const t0 = performance.now();
      await hasher.hashFile(file, 424242);
      return (performance.now() - t0) / 1000;
    });
    const started = performance.now();
    const largeId = await shareFromDisk(seeder.page, large.path, 'bench-1g.bin', 300_000);
    const shareSeconds = (performance.now() - started) / 1000;
    const hashRate = LARGE_BYTES / MiB / hashSeconds;
    const shareRate = LARGE_BYTES / MiB / shareSeconds;
    report({
      case: 'share-hashing',
      mib: LARGE_BYTES / MiB,
      sha256sumMibPerSecond: round(sha256sumRate),
      hashingMibPerSecond: round(hashRate),
      hashingRatio: round(hashRate / sha256sumRate),
      shareMibPerSecond: round(shareRate),
      shareRatio: round(shareRate / sha256sumRate),
      target: 'hashing >= 0.6 x sha256sum',
    });

    // Memory: the leecher's renderers while 1 GiB flows through them.
    const baseline = await rendererRss(leecher);
    const sampler = sampleRendererRss(leecher);
    const largeSeconds = (await timedDownload(leecher.page, 'bench-1g.bin', largeId)).seconds;
    const peak = await sampler.stop();
    report({
      case: 'download-1gib',
      mib: LARGE_BYTES / MiB,
      seconds: round(largeSeconds),
      mibPerSecond: round(LARGE_BYTES / MiB / largeSeconds),
      rendererRssBaselineMib: round(baseline / MiB, 1),
      rendererRssPeakMib: round(peak / MiB, 1),
      rendererRssGrowthMib: round((peak - baseline) / MiB, 1),
      target: 'growth <= 200 MiB',
    });
  }

  if (CASES.has('share')) {
    // Sharing as a user does it (a drop: read where it lies, no copy): one hashing pass and the
    // announcement, from the drop to "seeding", against sha256sum over the same (cached) file.
    for (const mib of SHARE_BY_HANDLE_MIB) {
      const file = await randomFile(`bench-share-${mib}.bin`, mib * MiB);
      files.push(file);
      execFileSync('cat', [file.path], { stdio: 'ignore', maxBuffer: 0 });
      const sha256sum = sha256sumSeconds(file.path);
      const sharer = await launchBrowser();
      browsers.push(sharer);
      await openApp(sharer.page, appUrl);
      const usageBefore = await sharer.page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
      const t0 = performance.now();
      const { result: id, cpu } = await measured(watchesOf([['sharer', sharer]]), mib * MiB, () => shareByDrop(sharer.page, file.path, `bench-share-${mib}.bin`, 60_000 + mib * 100));
      const shareSeconds = (performance.now() - t0) / 1000;
      const state = await engineState(sharer.page);
      const shared = state.shares.find((x) => x.id === id)!;
      if (shared.fileHash !== file.sha256 || !shared.fromDisk) throw new Error(`share-by-handle ${mib} MiB: hash ${shared.fileHash}, fromDisk ${shared.fromDisk}`);
      const grew = (await sharer.page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0)) - usageBefore;
      report({
        case: 'share-by-handle',
        mib,
        sha256sumSeconds: round(sha256sum),
        shareSeconds: round(shareSeconds),
        shareMibPerSecond: round(mib / shareSeconds),
        ratioToSha256sum: round(sha256sum / shareSeconds),
        storageGrowthKib: round(grew / 1024),
        cpuMsPerMib: cpu.machineMsPerMib,
        target: 'ratioToSha256sum >= 0.9',
      });
      // The bound on any share id: how fast a page can read this file at all (and hash it per chunk).
      const sha256sumAgain = sha256sumSeconds(file.path);
      const reads = await readCeiling(sharer.context, file.path, READ_CEILING_RUNS);
      report({
        case: 'read-ceiling',
        mib,
        sha256sumSeconds: round(sha256sumAgain),
        runs: reads.map((r) => ({ ...r, seconds: round(r.seconds), mibPerSecond: round(mib / r.seconds), ratioToSha256sum: round(sha256sumAgain / r.seconds) })),
      });
      await sharer.close();
      browsers.splice(browsers.indexOf(sharer), 1);
      await file.cleanup();
    }
  }
} finally {
  await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
  await server.stop();
  await Promise.all(files.map((f) => f.cleanup()));
}
