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
 *   relay-cpu         TURN CPU per MiB relayed, ours beside Debian's coturn (`turnserver`, on the
 *                     server host, handed out by TURN_URLS with the same secret), both peers in
 *                     relay-only mode so that both servers carry the same relay-to-relay path
 *   flash-crowd       one seeder and 8 leechers (cone and symmetric NATs), every uplink capped at
 *                     4 Mbit/s (BENCH_CROWD_MBIT; at 8 the nine browsers and the TURN relay fill this
 *                     2-core machine), the 8 clicking at once (BENCH_CROWD_MIB, 24): each leecher's time,
 *                     the last one's against one leecher alone on the same links (goal ≤ 1.5×), the
 *                     seeder's bytes sent as a multiple of the file (goal ≤ 2×), what each leecher
 *                     uploaded, and the ideal bound (one copy at the seeder's cap). BENCH_CROWD_SVG=path
 *                     writes the timeline (crowd-plot.ts)
 *   round-trip        1→1 between two homes whose WAN cables are delay lines (delay-line.py) adding
 *                     each round trip of BENCH_RTTS (50,150; reported as round-trip-rtt50, …), the
 *                     seeder capped at BENCH_RTT_CAP_MBIT
 *                     (8), BENCH_RTT_MIB (32) each: goodput / cap (goal ≥ 0.85 at 150 ms) beside a
 *                     plain channel between the same browsers and BENCH_RTT_PARALLEL (4) plain channels
 *                     side by side, each its own peer connection; `-lossy`: with 0.5% loss each way
 *   flash-crowd-rtt50 (and each of BENCH_RTTS)  the flash crowd with every home at that round trip
 *                     and 0.5% loss each way
 *   late-join-churn   four leechers start, a fifth joins when the first has half, and the seeder's
 *                     link is cut once every chunk is somewhere in the crowd: everyone completes
 * Goodput is timed from the first verified chunk to the last (as the raw channel is timed from its
 * first message), after a warm-up download; sizes: BENCH_LAB_MIB (64; the swarm case twice that).
 * BENCH_ROUNDS (1) repeats every case with new files; each case then prints the medians of its
 * figures and every round's value (`rounds`). BENCH_LAB_CASES=a,b runs only those cases.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { engineState, randomFile, shareFromDisk, type LaunchedBrowser } from '../e2e/harness.js';
import { Lab, SERVER_ADDRESS, type LabHost } from '../lab/lab.js';
import { labBrowser, startLabServer } from '../lab/lab-server.js';
import { selectedPairs } from '../lab/pairs.js';
import { crowdSvg } from '../lab/crowd-plot.js';
import { writeFileSync } from 'node:fs';
import { connectRaw, RAW_SETUP, rawDataChannel, timedDownload } from './transfer-timing.js';
import { machineBusyMs, machineMemoryUsed } from './cpu-meter.js';
import { cpus } from 'node:os';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_LAB_MIB ?? 64) * MiB;
/** BENCH_LAB_CASES=link-efficiency,relay runs only those cases. */
const CASES = process.env.BENCH_LAB_CASES?.split(',');
/** Whether to run case `name`; says on stderr when it starts, so a slow run shows where it is. */
const wanted = (name: string, r?: number) => {
  const yes = !CASES || CASES.includes(name);
  if (yes) console.error(`bench lab: ${name}${r ? ` round ${r}` : ''} (${new Date().toISOString().slice(11, 19)})`);
  return yes;
};
const ROOM = 'labbench';
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
/** Every round's figures per case; printed at the end as medians (numbers) with the rounds beside them. */
const results = new Map<string, Record<string, unknown>[]>();
const report = (fields: Record<string, unknown> & { case: string }) => results.set(fields.case, [...(results.get(fields.case) ?? []), fields]);
function printResults(): void {
  for (const [name, rounds] of results) {
    const merged: Record<string, unknown> = {};
    for (const key of Object.keys(rounds[0]!)) {
      const values = rounds.map((r) => r[key]);
      merged[key] = values.every((v) => typeof v === 'number') ? round(median(values as number[])) : values[0];
      if (rounds.length > 1 && values.every((v) => typeof v === 'number') && new Set(values).size > 1) merged[`${key}Rounds`] = (values as number[]).map((v) => round(v));
    }
    console.log(JSON.stringify({ bench: 'lab', ...merged, case: name, rounds: rounds.length }));
  }
}
/** Round trips of the delayed cases (BENCH_RTTS, ms), the loss they add, and the 1→1 cap. */
const RTTS = (process.env.BENCH_RTTS ?? '50,150').split(',').map(Number);
const RTT_LOSS = 0.005;
const RTT_CAP_MBIT = Number(process.env.BENCH_RTT_CAP_MBIT ?? 8);
const mbit = (bytes: number, seconds: number) => (bytes * 8) / seconds / 1e6;

if (process.getuid?.() !== 0) {
  console.error('bench lab: network namespaces need root');
  process.exit(2);
}

/**
 * CPU seconds (user + system) of the newest process whose command line contains `needle` (the
 * newest: one a killed run left behind may match too, idle).
 */
function cpuSecondsOf(needle: string): number {
  let newest: { startedAt: number; cpu: number } | undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline = '';
    let stat = '';
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startedAt = Number(fields[19]);
    if (!newest || startedAt > newest.startedAt) newest = { startedAt, cpu: (Number(fields[11]) + Number(fields[12])) / 100 };
  }
  if (!newest) throw new Error(`no process running ${needle}`);
  return newest.cpu;
}

const lab = new Lab();
/** Known to both TURN servers: ours and, for relay-coturn, coturn with use-auth-secret. */
const TURN_SECRET = randomBytes(24).toString('base64url');
const COTURN_PORT = 3480;
const server = await startLabServer(lab, { TURN_SECRET });
const browsers: LaunchedBrowser[] = [];
const files: Awaited<ReturnType<typeof randomFile>>[] = [];
const browserOn = async (host: LabHost, relayOnly = false): Promise<Page> => {
  const browser = await labBrowser(lab, host, ROOM, { relayOnly });
  browsers.push(browser);
  return browser.page;
};
/** Shares the same new random bytes, named `name`, in every given page; returns the share id. */
/**
 * Plain data channels between two lab browsers (in new pages of theirs), through the lab's STUN and
 * TURN: returns a function that connects `connections` new ones (each its own peer connection, so
 * its own SCTP association; no congestion state left from an earlier path), sends `size` bytes
 * over them, split evenly, and gives their goodput in Mbit/s.
 */
const rawPages: Page[] = [];
const rawChannel = async (sender: Page, receiver: Page, connections = 1) => {
  const senders: Page[] = [];
  for (let i = 0; i < connections; i++) senders.push(await sender.context().newPage());
  const receiving = await receiver.context().newPage();
  const pages = [...senders, receiving];
  rawPages.push(...pages);
  for (const page of pages) {
    await page.goto(`${server.url}/api/health`);
    await page.evaluate(RAW_SETUP);
    await page.evaluate(async () => {
      (window as unknown as { rawConfig: RTCConfiguration }).rawConfig = { iceServers: ((await (await fetch('/api/ice-servers')).json()) as { iceServers: RTCIceServer[] }).iceServers };
    });
  }
  return async (size = SIZE) => {
    for (const page of senders) await connectRaw(page, receiving);
    return ((await rawDataChannel(senders, receiving, size)) * MiB * 8) / 1e6;
  };
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
  const seeders = await Promise.all(seederHosts.map((host) => browserOn(host)));
  const leecher = await browserOn(leecherHost);

  // A plain data channel between the first seeder and the leecher: what the link itself carries.
  const rawMbit = await rawChannel(seeders[0]!, leecher);

  // A first download warms both browsers (workers, OPFS, JIT), as any session's second one is.
  lab.shape(seederHosts[0]!, { upMbit: 32 });
  await timedDownload(leecher, 'warm-up.bin', await share([seeders[0]!], 'warm-up.bin', 8 * MiB));

  /** Two new peers behind symmetric NATs, relayed by whatever TURN the server hands out now. */
  const relayed = async (name: string, turnProcess: string, relayOnly = false) => {
    const [seederHost] = lab.home('symmetric') as [LabHost];
    const [leecherHost2] = lab.home('symmetric') as [LabHost];
    lab.shape(seederHost, { upMbit: 32 });
    const seeder = await browserOn(seederHost, relayOnly);
    const leecher2 = await browserOn(leecherHost2, relayOnly);
    const id = await share([seeder], name, SIZE);
    const cpuBefore = cpuSecondsOf(turnProcess);
    const { fromFirstChunk } = await timedDownload(leecher2, name, id);
    const cpu = cpuSecondsOf(turnProcess) - cpuBefore;
    const pair = (await selectedPairs(leecher2)).find((p) => p.localCandidateType === 'relay' || p.remoteCandidateType === 'relay');
    return { goodput: mbit(SIZE, fromFirstChunk), cpuMsPerMiB: (cpu * 1000) / (SIZE / MiB), pair: pair ? `${pair.localCandidateType}/${pair.remoteCandidateType}` : 'not relayed' };
  };

  for (let r = 1; r <= ROUNDS; r++) {
    // link-efficiency: one seeder capped at 32 Mbit/s.
    lab.shape(seederHosts[0]!, { upMbit: 32 });
    if (wanted('link-efficiency', r)) {
      const name = `efficiency-${r}.bin`;
      const { seconds, fromFirstChunk } = await timedDownload(leecher, name, await share([seeders[0]!], name, SIZE));
      const goodput = mbit(SIZE, fromFirstChunk);
      const raw = await rawMbit();
      const pair = (await selectedPairs(leecher))[0];
      report({
        case: 'link-efficiency', mib: SIZE / MiB, capMbit: 32, goodputMbit: goodput, goodputOfCap: goodput / 32, goal: 0.9, rawMbit: raw, rawOfCap: raw / 32, shoalOfRaw: goodput / raw,
        firstChunkAfterClickMs: Math.round((seconds - fromFirstChunk) * 1000), firstChunkGoalMs: 1000, pair: `${pair?.localCandidateType}/${pair?.remoteCandidateType}`,
      });
    }

    // lossy-link: 1% loss on the leecher's link; Shoal against the plain channel under the same loss.
    if (wanted('lossy-link', r)) {
      lab.shape(leecherHost, { loss: 0.01 });
      const name = `lossy-${r}.bin`;
      const { fromFirstChunk } = await timedDownload(leecher, name, await share([seeders[0]!], name, SIZE));
      const shoal = mbit(SIZE, fromFirstChunk);
      const raw = await rawMbit();
      report({ case: 'lossy-link', mib: SIZE / MiB, loss: 0.01, capMbit: 32, shoalMbit: shoal, rawMbit: raw, shoalOfRaw: shoal / raw, goal: 0.85 });
      lab.shape(leecherHost, {});
    }

    // swarm-gain: three 16 Mbit/s uplinks; the same size from one seeder, then from all three.
    if (wanted('swarm-gain', r)) {
      for (const host of seederHosts) lab.shape(host, { upMbit: 16 });
      const swarmSize = 2 * SIZE;
      const one = await timedDownload(leecher, `swarm-one-${r}.bin`, await share([seeders[0]!], `swarm-one-${r}.bin`, swarmSize));
      const threeId = await share(seeders, `swarm-three-${r}.bin`, swarmSize);
      const selfIds = await Promise.all(seeders.map(async (page) => (await engineState(page)).selfId));
      const before = (await engineState(leecher)).peers;
      const three = await timedDownload(leecher, `swarm-three-${r}.bin`, threeId);
      const after = (await engineState(leecher)).peers;
      const split = selfIds.map((id) => (after.find((p) => p.peerId === id)?.chunksReceived ?? 0) - (before.find((p) => p.peerId === id)?.chunksReceived ?? 0));
      report({
        case: 'swarm-gain', mib: swarmSize / MiB, uplinkMbit: 16, oneToOneMbit: mbit(swarmSize, one.fromFirstChunk), threeToOneMbit: mbit(swarmSize, three.fromFirstChunk),
        gain: one.fromFirstChunk / three.fromFirstChunk, gainFromClick: one.seconds / three.seconds, goal: 2.7, chunksPerSeeder: split.join('/'),
      });
      for (const host of seederHosts) lab.shape(host, {});
    }

    // relay: symmetric NATs on both sides, through our TURN.
    if (wanted('relay', r)) {
      const ours = await relayed(`relayed-${r}.bin`, 'turn-process.js');
      report({ case: 'relay', mib: SIZE / MiB, capMbit: 32, goodputMbit: ours.goodput, goodputOfCap: ours.goodput / 32, goal: 0.85, turnCpuMsPerMiB: ours.cpuMsPerMiB, pair: ours.pair });
    }
  }
  // round-trip: 1→1 between two homes whose WAN cables are delay lines, at each round trip, without
  // loss and with 0.5 % each way; Shoal against a plain channel between the same two browsers.
  if (wanted('round-trip')) {
    const capMbit = RTT_CAP_MBIT;
    const size = Number(process.env.BENCH_RTT_MIB ?? 32) * MiB;
    const [aHost] = lab.home('cone', 1, { delayMs: 0 }) as [LabHost];
    const [bHost] = lab.home('cone', 1, { delayMs: 0 }) as [LabHost];
    const [a, b] = await Promise.all([browserOn(aHost), browserOn(bHost)]);
    const raw = await rawChannel(a, b);
    // Associations side by side (BENCH_RTT_PARALLEL, 4): what a transport bound per association leaves on the table.
    const parallel = Number(process.env.BENCH_RTT_PARALLEL ?? 4);
    const rawParallel = await rawChannel(a, b, parallel);
    lab.shape(aHost, { upMbit: capMbit });
    await timedDownload(b, 'rtt-warm-up.bin', await share([a], 'rtt-warm-up.bin', 8 * MiB));
    for (let r = 1; r <= ROUNDS; r++) {
      for (const rttMs of RTTS) {
        for (const loss of [0, RTT_LOSS]) {
          // Each home's cable carries a quarter of the round trip each way; each host drops half the
          // loss on the way in and on the way out, so each direction of the path loses `loss`.
          for (const host of [aHost, bHost]) lab.setDelay(host, rttMs / 4);
          lab.shape(aHost, { upMbit: capMbit, loss: loss / 2 });
          lab.shape(bHost, { loss: loss / 2 });
          const name = `rtt-${rttMs}-${loss}-${r}.bin`;
          const { fromFirstChunk } = await timedDownload(b, name, await share([a], name, size));
          const shoal = mbit(size, fromFirstChunk);
          const rawGoodput = await raw(size);
          const rawParallelGoodput = await rawParallel(size);
          report({
            case: `round-trip-rtt${rttMs}${loss ? '-lossy' : ''}`, mib: size / MiB, capMbit, rttMs, lossPercent: loss * 100,
            goodputMbit: shoal, goodputOfCap: shoal / capMbit, goal: 0.85, rawMbit: rawGoodput, rawOfCap: rawGoodput / capMbit, shoalOfRaw: shoal / rawGoodput,
            parallelConnections: parallel, rawParallelMbit: rawParallelGoodput, rawParallelOfCap: rawParallelGoodput / capMbit,
          });
        }
      }
    }
    for (const host of [aHost, bHost]) (lab.setDelay(host, 0), lab.shape(host, {}));
  }

  // relay-cpu: both TURN servers on the same relay-to-relay path, ours first, then coturn, which the
  // restarted server hands out instead of its own relay.
  if (wanted('relay-cpu')) {
    const ours: { goodput: number; cpuMsPerMiB: number; pair: string }[] = [];
    for (let r = 1; r <= ROUNDS; r++) ours.push(await relayed(`relay-only-${r}.bin`, 'turn-process.js', true));
    let coturnLog = '';
    const coturn = spawn('ip', [
      'netns', 'exec', lab.server.ns, 'turnserver', '-n', `--listening-ip=${SERVER_ADDRESS}`, `--listening-port=${COTURN_PORT}`, `--relay-ip=${SERVER_ADDRESS}`,
      '--realm=shoal', '--use-auth-secret', `--static-auth-secret=${TURN_SECRET}`, '--allowed-peer-ip=198.18.0.0-198.19.255.255',
      '--no-cli', '--no-tls', '--no-dtls', '--no-tcp-relay', '--min-port=50000', '--max-port=50999', '--log-file=stdout', '--simple-log', '--pidfile=',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    coturn.stdout.on('data', (d) => (coturnLog += d));
    coturn.stderr.on('data', (d) => (coturnLog += d));
    try {
      await server.restart({ TURN_URLS: `turn:${SERVER_ADDRESS}:${COTURN_PORT}?transport=udp` });
      for (let r = 1; r <= ROUNDS; r++) {
        const theirs = await relayed(`coturn-${r}.bin`, 'turnserver', true);
        const mine = ours[r - 1]!;
        report({
          case: 'relay-cpu', mib: SIZE / MiB, capMbit: 32, path: `${mine.pair} (ours), ${theirs.pair} (coturn)`,
          oursMsPerMiB: mine.cpuMsPerMiB, coturnMsPerMiB: theirs.cpuMsPerMiB, oursOfCoturn: mine.cpuMsPerMiB / theirs.cpuMsPerMiB,
          oursGoodputMbit: mine.goodput, coturnGoodputMbit: theirs.goodput,
        });
      }
    } catch (error) {
      console.error(`relay-cpu through coturn failed; coturn's log ends:\n${coturnLog.split('\n').slice(-40).join('\n')}`);
      throw error;
    } finally {
      coturn.kill('SIGKILL');
    }
  }

  // flash-crowd and late-join-churn: one seeder, eight leechers, every uplink at 4 Mbit/s.
  if (CASES === undefined || CASES.some((name) => name.startsWith('flash-crowd')) || CASES.includes('late-join-churn')) {
    const CROWD_MIB = Number(process.env.BENCH_CROWD_MIB ?? 24);
    const crowdSize = CROWD_MIB * MiB;
    const capMbit = Number(process.env.BENCH_CROWD_MBIT ?? 4);
    // Every home's cable is a delay line, at 0 ms until a delayed round; a plain cable when no
    // delayed round is run (nine delay lines cost the 0 ms crowd ~13% of this machine's CPU).
    const delayed = RTTS.some((rttMs) => !CASES || CASES.includes(`flash-crowd-rtt${rttMs}`));
    const cable = delayed ? { delayMs: 0 } : {};
    const seederHost = lab.home('cone', 1, cable)[0]!;
    const leecherHosts = Array.from({ length: 8 }, (_, i) => lab.home(i % 2 ? 'symmetric' : 'cone', 1, cable)[0]!);
    for (const host of [seederHost, ...leecherHosts]) lab.shape(host, { upMbit: capMbit });
    const crowdSeeder = await browserOn(seederHost);
    const crowd = await Promise.all(leecherHosts.map((host) => browserOn(host)));
    const sentBy = (page: Page) => page.evaluate('globalThis.shoal.store.state.peers.reduce((n, p) => n + p.bytesSent, 0)') as Promise<number>;
    const doneOf = (page: Page, id: string) => page.evaluate(`(globalThis.shoal.store.state.shares.find((s) => s.id === '${id}') || { bytesDone: 0 }).bytesDone`) as Promise<number>;
    const idealSeconds = (crowdSize * 8) / (capMbit * 1e6);
    /** Every crowd host's cable at a quarter of `rttMs` each way, and half of `loss` in and out of each. */
    const pathTo = (rttMs: number, loss: number) => {
      for (const host of [seederHost, ...leecherHosts]) {
        if (delayed) lab.setDelay(host, rttMs / 4);
        lab.shape(host, { upMbit: capMbit, loss: loss / 2 });
      }
    };
    for (let r = 1; r <= ROUNDS; r++) {
      for (const rttMs of [0, ...RTTS]) {
        const loss = rttMs ? RTT_LOSS : 0;
        const caseName = rttMs ? `flash-crowd-rtt${rttMs}` : 'flash-crowd';
        pathTo(rttMs, loss);
        if (wanted(caseName, r)) {
          const aloneName = `crowd-alone-${rttMs}-${r}.bin`;
          const alone = await timedDownload(crowd[0]!, aloneName, await share([crowdSeeder], aloneName, crowdSize));
          const name = `crowd-${rttMs}-${r}.bin`;
          const id = await share([crowdSeeder], name, crowdSize);
          await Promise.all(crowd.map((page) => page.getByRole('button', { name: `Download ${name}` }).waitFor({ timeout: 30_000 })));
          const seederBefore = await sentBy(crowdSeeder);
          const uploadsBefore = await Promise.all(crowd.map(sentBy));
          const timeline = { at: [] as number[], leechers: crowd.map((_, i) => ({ name: `leecher ${i + 1} (${i % 2 ? 'symmetric' : 'cone'})`, done: [] as number[] })), seederCopies: [] as number[] };
          const started = performance.now();
          const busyBefore = machineBusyMs();
          let sampling = true;
          let memoryPeak = machineMemoryUsed();
          const sampler = (async () => {
            while (sampling) {
              memoryPeak = Math.max(memoryPeak, machineMemoryUsed());
              const [done, sent] = await Promise.all([Promise.all(crowd.map((page) => doneOf(page, id))), sentBy(crowdSeeder)]);
              timeline.at.push((performance.now() - started) / 1000);
              done.forEach((bytes, i) => timeline.leechers[i]!.done.push(bytes / crowdSize));
              timeline.seederCopies.push((sent - seederBefore) / crowdSize);
              await new Promise((resolve) => setTimeout(resolve, 1000)); // each poll is nine page evaluations: CPU the crowd needs
            }
          })();
          const times = await Promise.all(crowd.map((page) => timedDownload(page, name, id)));
          // How busy the machine's cores were over the crowd (1 = every core all the time).
          const machineBusy = (machineBusyMs() - busyBefore) / ((performance.now() - started) * cpus().length);
          sampling = false;
          await sampler;
          const seederSent = (await sentBy(crowdSeeder)) - seederBefore;
          const uploads = (await Promise.all(crowd.map(sentBy))).map((bytes, i) => bytes - uploadsBefore[i]!);
          const seconds = times.map((t) => t.seconds);
          const last = Math.max(...seconds);
          report({
            case: caseName, mib: CROWD_MIB, leechers: crowd.length, uplinkMbit: capMbit, rttMs, lossPercent: loss * 100, idealSeconds, aloneSeconds: alone.seconds,
            lastSeconds: last, lastOfAlone: last / alone.seconds, goal: 1.5, seederSentOfFile: seederSent / crowdSize, seederGoal: 2,
            leecherSeconds: seconds.map((s) => round(s, 1)).join('/'), leecherUploadedMiB: uploads.map((b) => round(b / MiB, 1)).join('/'), machineBusy,
            // Everything the machine held at the crowd's peak: 13 browsers (the crowd's nine and four of other cases), the server, the lab.
            machineMemoryGiB: memoryPeak / 1024 ** 3,
          });
          if (process.env.BENCH_CROWD_SVG && rttMs === 0) {
            writeFileSync(process.env.BENCH_CROWD_SVG, crowdSvg({ ...timeline, idealSeconds, title: `Flash crowd: 1 seeder, 8 leechers, ${CROWD_MIB} MiB, ${capMbit} Mbit/s uplinks (alone: ${alone.seconds.toFixed(1)} s; last of 8: ${last.toFixed(1)} s)` }));
          }
        }
      }
      pathTo(0, 0);
      if (wanted('late-join-churn', r)) {
        const name = `churn-${r}.bin`;
        const id = await share([crowdSeeder], name, crowdSize);
        const early = crowd.slice(0, 4);
        const late = crowd[4]!;
        await Promise.all([...early, late].map((page) => page.getByRole('button', { name: `Download ${name}` }).waitFor({ timeout: 30_000 })));
        const started = performance.now();
        const downloads = early.map((page) => timedDownload(page, name, id));
        for (;;) {
          if ((await doneOf(early[0]!, id)) >= crowdSize / 2) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const joinedAt = (performance.now() - started) / 1000;
        downloads.push(timedDownload(late, name, id));
        // Once every chunk is held by someone in the crowd, the seeder goes (its link is cut).
        let seederLeftAt = -1;
        for (;;) {
          const maps = await Promise.all([...early, late].map((page) => page.evaluate(`globalThis.shoal.inspect('${id}').then((d) => d ? Array.from(d.bits) : null)`) as Promise<number[] | null>));
          const union = new Uint8Array(Math.ceil(crowdSize / 65536 / 8));
          for (const bits of maps) if (bits) bits.forEach((byte, i) => (union[i]! |= byte));
          const covered = union.reduce((n, byte) => n + [...byte.toString(2)].filter((b) => b === '1').length, 0);
          if (covered >= crowdSize / 65536) {
            lab.setLink(seederHost, false);
            seederLeftAt = (performance.now() - started) / 1000;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const times = await Promise.all(downloads);
        lab.setLink(seederHost, true);
        report({
          case: 'late-join-churn', mib: CROWD_MIB, early: early.length, lateJoinedAtSeconds: joinedAt, seederLeftAtSeconds: seederLeftAt,
          allCompleted: times.length === early.length + 1 ? 'yes' : 'no', lastSeconds: Math.max(...times.map((t) => t.seconds + (t === times.at(-1) ? joinedAt : 0))),
        });
      }
    }
  }
  await Promise.all(rawPages.map((page) => page.close()));
} finally {
  printResults();
  await Promise.all(browsers.map((b) => b.close()));
  await server.stop();
  lab.teardown();
  await Promise.all(files.map((f) => f.cleanup()));
}
