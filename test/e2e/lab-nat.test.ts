/**
 * NAT traversal in the network lab (test/lab/): peers on their own hosts behind real Linux NATs,
 * the server and its TURN on the lab's "internet" with no loopback allowance.
 * - the NATs behave as named (STUN from two server addresses);
 * - two peers behind different cone NATs connect directly (server-reflexive), 32 MiB, SHA-256 right;
 * - two peers behind symmetric NATs connect through our TURN (a relay candidate in the pair);
 * - a peer whose network blocks UDP except to the server is relayed;
 * - two peers that both chose relay-only connect relay to relay through our TURN;
 * - two peers behind the same NAT connect over their LAN (host candidates);
 * - a delay line adds the round-trip time it is set to (a STUN ping from a home whose WAN cable is one);
 * - the headless peer (`shoal get`) behind a symmetric NAT is relayed to a browser behind another,
 *   and with --relay it connects relay to relay with a relay-only browser.
 * Needs root (network namespaces); skipped with a reason where there is none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { randomFile, sha256ThroughServiceWorker, shareFromDisk, type LaunchedBrowser } from './harness.js';
import { Lab, SERVER_ADDRESS, SERVER_SECOND_ADDRESS, type LabHost, type NatKind } from '../lab/lab.js';
import { labBrowser, startLabServer, STUN_PORT, TURN_PORT, type LabServer } from '../lab/lab-server.js';
import { isRelayed, waitForPair } from '../lab/pairs.js';
import { LAB_ORIGIN } from '../lab/lab-server.js';
import { runShoal } from './shoal-cli.js';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';


const MiB = 1024 * 1024;
const isRoot = process.getuid?.() === 0;

describe('NAT traversal in the network lab', { timeout: 600_000, skip: isRoot ? false : 'network namespaces need root' }, () => {
  let lab: Lab;
  let server: LabServer;
  let hosts: Record<'coneA' | 'coneB' | 'symA' | 'symB' | 'blocked' | 'lanA' | 'lanB' | 'delayed', LabHost>;
  const browsers: LaunchedBrowser[] = [];

  /** A browser on `host`, in the private `room` (peers behind different NATs share no address room), or its address room. */
  const browserOn = async (host: LabHost, room?: string, options?: { relayOnly?: boolean }): Promise<Page> => {
    const browser = await labBrowser(lab, host, room, options);
    browsers.push(browser);
    return browser.page;
  };

  /** Shares `size` random bytes on `seeder`, downloads them on `leecher`, checks the SHA-256; returns ms from the click. */
  const transfer = async (seeder: Page, leecher: Page, name: string, size: number): Promise<number> => {
    const file = await randomFile(name, size);
    try {
      const shareId = await shareFromDisk(seeder, file.path, name);
      const started = Date.now();
      await leecher.getByRole('button', { name: `Download ${name}` }).click({ timeout: 30_000 });
      await leecher.locator(`li[aria-label="${name}"][data-status="seeding"]`).waitFor({ timeout: 120_000 });
      const ms = Date.now() - started;
      assert.equal(await sha256ThroughServiceWorker(leecher, `/files/${shareId}/${encodeURIComponent(name)}`), file.sha256);
      return ms;
    } finally {
      await file.cleanup();
    }
  };

  before(async () => {
    lab = new Lab();
    const behind = (nat: NatKind) => lab.home(nat)[0]!;
    const [lanA, lanB] = lab.home('cone', 2) as [LabHost, LabHost];
    hosts = { coneA: behind('cone'), coneB: behind('cone'), symA: behind('symmetric'), symB: behind('symmetric'), blocked: behind('udp-to-server-only'), lanA, lanB, delayed: lab.home('cone', 1, { delayMs: 0 })[0]! };
    server = await startLabServer(lab);
  });

  after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await server?.stop();
    lab?.teardown();
  });

  test('the NATs behave as named: one mapping for every destination (cone), one per destination (symmetric)', () => {
    const probe = (host: LabHost) =>
      JSON.parse(lab.exec(host, process.execPath, '--import', 'tsx', 'test/lab/stun-probe.ts', `${SERVER_ADDRESS}:${STUN_PORT}`, `${SERVER_SECOND_ADDRESS}:${STUN_PORT}`, `${SERVER_ADDRESS}:${TURN_PORT}`)) as { mapped: string | null }[];
    const cone = probe(hosts.coneA).map((r) => r.mapped);
    assert.ok(cone.every((m) => m !== null && m === cone[0]), `cone: ${cone}`);
    assert.match(cone[0]!, /^198\.18\.1\.\d+:\d+$/, 'mapped to its router\'s public address');
    const symmetric = probe(hosts.symA).map((r) => r.mapped);
    assert.ok(symmetric.every((m) => m !== null), `symmetric: ${symmetric}`);
    assert.equal(new Set(symmetric).size, 3, `symmetric: a port per destination, got ${symmetric}`);
    const blocked = probe(hosts.blocked).map((r) => r.mapped);
    assert.ok(blocked[0] !== null && blocked[1] === null, `UDP to the server only: ${blocked}`);
  });

  test('a delay line adds the round trip it is set to, and can change it while the lab runs', (t) => {
    /** Round trips in ms of 10 STUN Binding requests from `host` to the server, one after another. */
    const ping = () => {
      const { rttsMs } = JSON.parse(lab.exec(hosts.delayed, process.execPath, '--import', 'tsx', 'test/lab/stun-ping.ts', `${SERVER_ADDRESS}:${STUN_PORT}`, '10')) as { rttsMs: (number | null)[] };
      assert.ok(rttsMs.every((rtt) => rtt !== null), `every ping answered: ${rttsMs}`);
      return (rttsMs as number[]).sort((a, b) => a - b)[5]!;
    };
    const plain = ping();
    assert.ok(plain < 10, `no delay: median ${plain} ms`);
    lab.setDelay(hosts.delayed, 25); // each way, on the home's one cable: +50 ms to the server and back
    const delayed = ping();
    assert.ok(delayed >= plain + 49 && delayed < plain + 60, `25 ms each way: median ${delayed} ms, ${plain} ms without`);
    lab.setDelay(hosts.delayed, 0);
    const restored = ping();
    assert.ok(restored < 10, `delay taken away: median ${restored} ms`);
    t.diagnostic(`STUN ping to the server, medians of 10: ${plain} ms, ${delayed} ms at 25 ms each way, ${restored} ms after`);
  });

  test('two peers behind different cone NATs connect directly (server-reflexive) and move 32 MiB', async (t) => {
    const [seeder, leecher] = await Promise.all([browserOn(hosts.coneA, 'labcone'), browserOn(hosts.coneB, 'labcone')]);
    const ms = await transfer(seeder, leecher, 'cone.bin', 32 * MiB);
    const pair = await waitForPair(leecher, (p) => !isRelayed(p), 'direct');
    assert.ok([pair.localCandidateType, pair.remoteCandidateType].some((type) => type === 'srflx' || type === 'prflx'), `through the NATs: ${JSON.stringify(pair)}`);
    t.diagnostic(`cone to cone: 32 MiB in ${ms} ms from the click; pair ${pair.localCandidateType}/${pair.remoteCandidateType}`);
  });

  test('two peers behind symmetric NATs connect through our TURN relay', async (t) => {
    const [seeder, leecher] = await Promise.all([browserOn(hosts.symA, 'labsymmetric'), browserOn(hosts.symB, 'labsymmetric')]);
    const ms = await transfer(seeder, leecher, 'symmetric.bin', 8 * MiB);
    const pair = await waitForPair(leecher, isRelayed, 'relayed', 5_000);
    t.diagnostic(`symmetric to symmetric: 8 MiB in ${ms} ms from the click; pair ${pair.localCandidateType}/${pair.remoteCandidateType}`);
  });

  test('a peer on a network that lets UDP reach only the server is relayed', async (t) => {
    const [seeder, leecher] = await Promise.all([browserOn(hosts.blocked, 'labblocked'), browserOn(hosts.coneA, 'labblocked')]);
    const ms = await transfer(seeder, leecher, 'blocked.bin', 8 * MiB);
    const pair = await waitForPair(leecher, isRelayed, 'relayed', 5_000);
    t.diagnostic(`UDP-blocked to cone: 8 MiB in ${ms} ms; pair ${pair.localCandidateType}/${pair.remoteCandidateType}`);
  });

  test('two peers that both chose relay-only connect relay to relay through our TURN', async (t) => {
    const relayOnly = { relayOnly: true };
    const [seeder, leecher] = await Promise.all([browserOn(hosts.coneA, 'labrelayonly', relayOnly), browserOn(hosts.coneB, 'labrelayonly', relayOnly)]);
    const ms = await transfer(seeder, leecher, 'relay-only.bin', 8 * MiB);
    const pair = await waitForPair(leecher, (p) => p.localCandidateType === 'relay' && p.remoteCandidateType === 'relay', 'relay-to-relay', 5_000);
    t.diagnostic(`relay-only on both sides: 8 MiB in ${ms} ms; pair ${pair.localCandidateType}/${pair.remoteCandidateType}`);
  });

  /** A browser on `seederHost` shares 8 MiB; `shoal get` on `getterHost` fetches it; returns the browser's selected pair. */
  const browserToHeadless = async (seederHost: LabHost, getterHost: LabHost, room: string, relayOnly: boolean) => {
    const seeder = await browserOn(seederHost, room, { relayOnly });
    const file = await randomFile('to-node.bin', 8 * MiB);
    const out = await mkdtemp(join(tmpdir(), 'shoal-lab-node-'));
    try {
      const shareId = await shareFromDisk(seeder, file.path, 'to-node.bin');
      // Paced (2 MiB/s) so the connection lasts long enough to read its pair.
      const args = ['get', shareId, '--room', room, '--server', LAB_ORIGIN, '--out', out, '--state', join(out, '.state'), '--down-limit', '2M', ...(relayOnly ? ['--relay'] : [])];
      const get = runShoal(args, { inNamespace: getterHost.ns });
      // Read while the connection carries the download (it closes when shoal get exits).
      const pair = waitForPair(seeder, relayOnly ? (p) => p.localCandidateType === 'relay' && p.remoteCandidateType === 'relay' : isRelayed, relayOnly ? 'relay-to-relay' : 'relayed', 60_000);
      pair.catch(() => undefined);
      await get.waitFor((e) => e.event === 'done', 120_000, 'the headless download');
      assert.equal(await get.exited, 0, get.stderr());
      assert.equal(createHash('sha256').update(await readFile(join(out, 'to-node.bin'))).digest('hex'), file.sha256);
      return await pair;
    } finally {
      await file.cleanup();
      await rm(out, { recursive: true, force: true });
    }
  };

  test('the headless peer behind a symmetric NAT is relayed through our TURN to a browser behind another', async (t) => {
    const pair = await browserToHeadless(hosts.symA, hosts.symB, 'labnodesym', false);
    t.diagnostic(`browser (symmetric) to shoal get (symmetric): pair ${pair.localCandidateType}/${pair.remoteCandidateType}`);
  });

  test('the headless peer with --relay connects relay to relay to a relay-only browser', async (t) => {
    const pair = await browserToHeadless(hosts.coneA, hosts.coneB, 'labnoderelay', true);
    t.diagnostic(`relay-only browser to shoal get --relay (both cone): pair ${pair.localCandidateType}/${pair.remoteCandidateType}`);
  });

  test('two peers behind the same NAT connect over their LAN (host candidates)', async (t) => {
    const [seeder, leecher] = await Promise.all([browserOn(hosts.lanA), browserOn(hosts.lanB)]);
    const ms = await transfer(seeder, leecher, 'lan.bin', 8 * MiB);
    const pair = await waitForPair(leecher, (p) => p.localCandidateType === 'host' && p.remoteCandidateType === 'host', 'host-to-host');
    t.diagnostic(`same NAT: 8 MiB in ${ms} ms; pair ${pair.localCandidateType}/${pair.remoteCandidateType}`);
  });
});
