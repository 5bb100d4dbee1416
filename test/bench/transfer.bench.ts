/**
 * `npm run bench -- transfer`: throughput and memory of Shoal transfers next to the raw ceiling,
 * all in one run with the same Chromium instances and flags, one JSON line per case.
 *   raw-datachannel   plain 64 KiB messages between two browsers, backpressured at 1 MiB
 *   raw-datachannel-3to1  the same from three browsers at once into one page, against raw 1→1
 *   shoal-1to1        a 256 MiB share, one seeder, against the raw runs either side of it
 *   shoal-3to1        the same share, three seeders, against the 1→1 and the raw 3→1 of its round
 * (BENCH_ROUNDS rounds, 3 by default, interleaved; medians of the paired ratios)
 *   share-hashing     sharing a 1 GiB file (hash + copy into OPFS), and hashing alone, vs sha256sum
 *   download-1gib     peak renderer RSS growth of the leecher during a 1 GiB download
 */
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { connectRaw, RAW_SETUP, rawDataChannel, timedDownload } from './transfer-timing.js';
import {
  engineState,
  launchBrowser,
  openApp,
  randomFile,
  rendererRss,
  sampleRendererRss,
  shareFromDisk,
  startServer,
  waitForState,
  type LaunchedBrowser,
} from '../e2e/harness.js';

const MiB = 1024 * 1024;
const RAW_BYTES = 256 * MiB;
const SHARE_BYTES = 256 * MiB;
const LARGE_BYTES = 1024 * MiB;
/** Rounds of raw / 1→1 / 3→1 (BENCH_ROUNDS); more rounds, steadier medians. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

function report(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'transfer', ...fields }));
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const server = await startServer();
// BENCH_PLANE=page|worker forces where the data plane runs (default: the app's own choice).
const appUrl = process.env.BENCH_PLANE ? `${server.url}/?plane=${process.env.BENCH_PLANE}` : server.url;
const browsers: LaunchedBrowser[] = [];
const files: Awaited<ReturnType<typeof randomFile>>[] = [];
try {
  for (let i = 0; i < 4; i++) browsers.push(await launchBrowser());
  const [seeder, leecher, seeder2, seeder3] = browsers as [LaunchedBrowser, LaunchedBrowser, LaunchedBrowser, LaunchedBrowser];
  for (const b of browsers) await openApp(b.page, appUrl);

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
  const raw = () => rawDataChannel(rawSenders.slice(0, 1), rawReceiver, RAW_BYTES);
  const raw3 = () => rawDataChannel(rawSenders, rawReceiver, RAW_BYTES);

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
    const one = await timedDownload(leecher.page, 'bench-256.bin', shareId);
    await forget();
    await rejoinRoom();
    const three = await timedDownload(leecher.page, 'bench-256.bin', shareId);
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
  const oneRatios = ones.map((one, i) => ({ rate: one.rate, ratio: one.rate / rawCeiling(i), streamingRatio: one.streaming / rawCeiling(i) }));
  report({ case: 'raw-datachannel', mib: RAW_BYTES / MiB, mibPerSecond: round(median(raws)), runs: raws.map((r) => round(r)) });
  report({
    case: 'raw-datachannel-3to1',
    mib: RAW_BYTES / MiB,
    mibPerSecond: round(median(raws3)),
    // What three senders gain over one with no protocol at all: the ceiling of Shoal's 3→1 / 1→1 here.
    ratioToRaw1to1: round(median(raws3.map((r, i) => r / rawCeiling(i)))),
    runs: raws3.map((r) => round(r)),
  });
  report({
    case: 'shoal-1to1',
    mib: SHARE_BYTES / MiB,
    dataPlane: (await engineState(leecher.page)).dataPlane,
    rounds: ROUNDS,
    mibPerSecond: round(median(oneRatios.map((o) => o.rate))),
    ratioToRaw: round(median(oneRatios.map((o) => o.ratio))),
    ratioToRawFromFirstChunk: round(median(oneRatios.map((o) => o.streamingRatio))),
    runs: oneRatios.map((o) => ({ mibPerSecond: round(o.rate), ratioToRaw: round(o.ratio), ratioToRawFromFirstChunk: round(o.streamingRatio) })),
    target: '>= 0.85',
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
    target: '>= 1to1',
  });
  for (const b of extraSeeders) await b.page.getByRole('button', { name: 'Remove bench-256.bin' }).click();

  const large = await randomFile('bench-1g.bin', LARGE_BYTES);
  files.push(large);
  execFileSync('cat', [large.path], { stdio: 'ignore', maxBuffer: 0 }); // warm the page cache for both
  let started = performance.now();
  execFileSync('sha256sum', [large.path]);
  const sha256sumRate = LARGE_BYTES / MiB / ((performance.now() - started) / 1000);
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
  started = performance.now();
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
} finally {
  await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
  await server.stop();
  await Promise.all(files.map((f) => f.cleanup()));
}
