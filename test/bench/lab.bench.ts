/**
 * `npm run bench -- lab` (root): Shoal in the network lab, every peer behind its own NAT, one JSON
 * line per case:
 *   link-efficiency   1→1, seeder uplink capped at 32 Mbit/s: goodput / cap (goal ≥ 0.90), and the
 *                     time from the click to the first verified chunk across two NATs (goal ≤ 1 s)
 *   lossy-link        the same with 1% random loss on the leecher's link, against a plain data
 *                     channel between the same two browsers under the same loss (goal ≥ 0.85×)
 *   swarm-gain        three seeders on 16 Mbit/s uplinks, leecher uncapped: 3→1 against 1→1 of
 *                     the same size in the same run (goal ≥ 2.7×), with the chunks each seeder gave
 *   relay             two peers behind symmetric NATs through our TURN, seeder capped at 32 Mbit/s:
 *                     goodput / cap (goal ≥ 0.85) and the TURN process's CPU per MiB relayed
 * Goodput is timed from the first verified chunk to the last (as the raw channel is timed from its
 * first message); sizes: BENCH_LAB_MIB (64; the swarm case twice that).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { engineState, launchBrowser, openApp, randomFile, shareFromDisk, type LaunchedBrowser } from '../e2e/harness.js';
import { Lab, type LabHost } from '../lab/lab.js';
import { LAB_BROWSER_ARGS, startLabServer } from '../lab/lab-server.js';
import { selectedPairs } from '../lab/pairs.js';
import { connectRaw, RAW_SETUP, rawDataChannel, timedDownload } from './transfer-timing.js';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_LAB_MIB ?? 64) * MiB;
const ROOM = 'labbench';
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const report = (fields: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'lab', ...fields }));
const mbit = (bytes: number, seconds: number) => (bytes * 8) / seconds / 1e6;

if (process.getuid?.() !== 0) {
  console.error('bench lab: network namespaces need root');
  process.exit(2);
}

/** CPU seconds (user + system) of the process whose command line contains `needle`. */
function cpuSecondsOf(needle: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes(needle)) continue;
    const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }
  throw new Error(`no process running ${needle}`);
}

const lab = new Lab();
const server = await startLabServer(lab);
const browsers: LaunchedBrowser[] = [];
const files: Awaited<ReturnType<typeof randomFile>>[] = [];
const browserOn = async (host: LabHost): Promise<Page> => {
  const browser = await launchBrowser({ executablePath: lab.chromiumIn(host), args: LAB_BROWSER_ARGS });
  browsers.push(browser);
  await openApp(browser.page, `${server.url}/?room=${ROOM}`);
  return browser.page;
};
const share = async (seeders: Page[], name: string, size: number): Promise<string> => {
  const file = await randomFile(name, size);
  files.push(file);
  const ids = await Promise.all(seeders.map((page) => shareFromDisk(page, file.path, name, 120_000)));
  return ids[0]!;
};

try {
  const seederHosts = [lab.home('cone')[0]!, lab.home('cone')[0]!, lab.home('cone')[0]!];
  const [leecherHost] = lab.home('cone') as [LabHost];
  const seeders = await Promise.all(seederHosts.map(browserOn));
  const leecher = await browserOn(leecherHost);

  // link-efficiency: one seeder capped at 32 Mbit/s.
  lab.shape(seederHosts[0]!, { upMbit: 32 });
  {
    const id = await share([seeders[0]!], 'efficiency.bin', SIZE);
    const { seconds, fromFirstChunk } = await timedDownload(leecher, 'efficiency.bin', id);
    const goodput = mbit(SIZE, fromFirstChunk);
    const pair = (await selectedPairs(leecher))[0];
    report({ case: 'link-efficiency', mib: SIZE / MiB, capMbit: 32, goodputMbit: round(goodput, 1), goodputOfCap: round(goodput / 32), goal: 0.9, secondsFromClick: round(seconds), firstChunkAfterClickMs: Math.round((seconds - fromFirstChunk) * 1000), firstChunkGoalMs: 1000, pair: `${pair?.localCandidateType}/${pair?.remoteCandidateType}` });
  }

  // lossy-link: 1% loss on the leecher's link; Shoal against a plain channel between the same browsers.
  lab.shape(leecherHost, { loss: 0.01 });
  {
    const id = await share([seeders[0]!], 'lossy.bin', SIZE);
    const { fromFirstChunk } = await timedDownload(leecher, 'lossy.bin', id);
    const shoalMiBs = SIZE / MiB / fromFirstChunk;
    const [rawSender, rawReceiver] = [await browsers[0]!.context.newPage(), await browsers[3]!.context.newPage()];
    for (const page of [rawSender, rawReceiver]) {
      await page.goto(`${server.url}/api/health`);
      await page.evaluate(RAW_SETUP);
      await page.evaluate(async () => {
        (window as unknown as { rawConfig: RTCConfiguration }).rawConfig = { iceServers: ((await (await fetch('/api/ice-servers')).json()) as { iceServers: RTCIceServer[] }).iceServers };
      });
    }
    await connectRaw(rawSender, rawReceiver);
    const rawMiBs = await rawDataChannel([rawSender], rawReceiver, SIZE);
    await Promise.all([rawSender.close(), rawReceiver.close()]);
    report({ case: 'lossy-link', mib: SIZE / MiB, loss: 0.01, capMbit: 32, shoalMbit: round(mbit(SIZE, fromFirstChunk), 1), rawMbit: round(rawMiBs * MiB * 8 / 1e6, 1), shoalOfRaw: round(shoalMiBs / rawMiBs), goal: 0.85 });
  }
  lab.shape(leecherHost, {});

  // swarm-gain: three 16 Mbit/s uplinks; the same size from one seeder, then from all three.
  for (const host of seederHosts) lab.shape(host, { upMbit: 16 });
  {
    const swarmSize = 2 * SIZE;
    const oneId = await share([seeders[0]!], 'swarm-one.bin', swarmSize);
    const one = await timedDownload(leecher, 'swarm-one.bin', oneId);
    const threeId = await share(seeders, 'swarm-three.bin', swarmSize);
    const selfIds = await Promise.all(seeders.map(async (page) => (await engineState(page)).selfId));
    const before = (await engineState(leecher)).peers;
    const three = await timedDownload(leecher, 'swarm-three.bin', threeId);
    const after = (await engineState(leecher)).peers;
    const split = selfIds.map((id) => (after.find((p) => p.peerId === id)?.chunksReceived ?? 0) - (before.find((p) => p.peerId === id)?.chunksReceived ?? 0));
    report({
      case: 'swarm-gain', mib: swarmSize / MiB, uplinkMbit: 16,
      oneToOneMbit: round(mbit(swarmSize, one.fromFirstChunk), 1), threeToOneMbit: round(mbit(swarmSize, three.fromFirstChunk), 1),
      gain: round(one.fromFirstChunk / three.fromFirstChunk), gainFromClick: round(one.seconds / three.seconds), goal: 2.7, chunksPerSeeder: split,
    });
  }

  // relay: symmetric NATs on both sides, through our TURN.
  {
    const [symSeederHost] = lab.home('symmetric') as [LabHost];
    const [symLeecherHost] = lab.home('symmetric') as [LabHost];
    lab.shape(symSeederHost, { upMbit: 32 });
    const symSeeder = await browserOn(symSeederHost);
    const symLeecher = await browserOn(symLeecherHost);
    const id = await share([symSeeder], 'relayed.bin', SIZE);
    const cpuBefore = cpuSecondsOf('turn-process.js');
    const { fromFirstChunk } = await timedDownload(symLeecher, 'relayed.bin', id);
    const cpu = cpuSecondsOf('turn-process.js') - cpuBefore;
    const pair = (await selectedPairs(symLeecher)).find((p) => p.localCandidateType === 'relay' || p.remoteCandidateType === 'relay');
    const goodput = mbit(SIZE, fromFirstChunk);
    report({ case: 'relay', mib: SIZE / MiB, capMbit: 32, goodputMbit: round(goodput, 1), goodputOfCap: round(goodput / 32), goal: 0.85, turnCpuMsPerMiB: round((cpu * 1000) / (SIZE / MiB), 1), pair: pair ? `${pair.localCandidateType}/${pair.remoteCandidateType}` : 'not relayed' });
  }
} finally {
  await Promise.all(browsers.map((b) => b.close()));
  await server.stop();
  lab.teardown();
  await Promise.all(files.map((f) => f.cleanup()));
}
