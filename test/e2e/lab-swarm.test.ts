/**
 * The swarm in the network lab, where links fail as they do at home: a lossy downlink, a seeder
 * whose link goes down mid-download and comes back, a server host that restarts mid-transfer.
 * Every peer is behind its own cone NAT; all share one private room. Needs root.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { engineState, randomFile, sha256ThroughServiceWorker, shareFromDisk, waitForState, type LaunchedBrowser } from './harness.js';
import { Lab, type LabHost } from '../lab/lab.js';
import { labBrowser, startLabServer, type LabServer } from '../lab/lab-server.js';
import { isRelayed, waitForPair } from '../lab/pairs.js';

const MiB = 1024 * 1024;
const isRoot = process.getuid?.() === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bytes received so far on each of the page's peer connections, by peer id. */
async function bytesByPeer(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const engine = (globalThis as unknown as { shoal: { connectionStats(): Promise<Record<string, { bytesReceived: number }>> } }).shoal;
    return Object.fromEntries(Object.entries(await engine.connectionStats()).map(([id, s]) => [id, s.bytesReceived]));
  });
}

describe('the swarm in the network lab', { timeout: 600_000, skip: isRoot ? false : 'network namespaces need root' }, () => {
  let lab: Lab;
  let server: LabServer;
  const browsers: LaunchedBrowser[] = [];

  const browserOn = async (host: LabHost, room: string): Promise<Page> => {
    const browser = await labBrowser(lab, host, room);
    browsers.push(browser);
    return browser.page;
  };

  const download = async (leecher: Page, name: string, timeoutMs = 180_000) => {
    await leecher.getByRole('button', { name: `Download ${name}` }).click({ timeout: 30_000 });
    return waitForState(leecher, (s) => s.shares.some((x) => x.name === name && x.status === 'seeding'), timeoutMs, `${name} downloaded`);
  };

  const progress = async (page: Page, name: string) => {
    const share = (await engineState(page)).shares.find((s) => s.name === name);
    return share ? share.bytesDone / share.size : 0;
  };

  before(async () => {
    lab = new Lab();
    server = await startLabServer(lab);
  });

  after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await server?.stop();
    lab?.teardown();
  });

  test('2% random loss on the leecher\'s link: the download completes, correct', async (t) => {
    const [seederHost] = lab.home('cone');
    const [leecherHost] = lab.home('cone');
    lab.shape(leecherHost!, { loss: 0.02 });
    const [seeder, leecher] = await Promise.all([browserOn(seederHost!, 'lablossy'), browserOn(leecherHost!, 'lablossy')]);
    const file = await randomFile('lossy.bin', 16 * MiB);
    try {
      const id = await shareFromDisk(seeder, file.path, 'lossy.bin');
      const started = Date.now();
      await download(leecher, 'lossy.bin');
      assert.equal(await sha256ThroughServiceWorker(leecher, `/files/${id}/lossy.bin`), file.sha256);
      t.diagnostic(`16 MiB over a 2% lossy link in ${Date.now() - started} ms`);
    } finally {
      await file.cleanup();
    }
  });

  test('a seeder that loses its link mid-download: the others finish it; back, it reconnects and is used again', async (t) => {
    const seederHosts = [lab.home('cone')[0]!, lab.home('cone')[0]!, lab.home('cone')[0]!];
    const [leecherHost] = lab.home('cone');
    // 12 Mbit/s uplinks: slow enough that the download outlasts the cut and the return.
    for (const host of seederHosts) lab.shape(host, { upMbit: 12 });
    const seeders = await Promise.all(seederHosts.map((host) => browserOn(host, 'labswarm')));
    const leecher = await browserOn(leecherHost!, 'labswarm');
    const file = await randomFile('swarm.bin', 96 * MiB);
    try {
      const ids = await Promise.all(seeders.map((page) => shareFromDisk(page, file.path, 'swarm.bin')));
      assert.equal(new Set(ids).size, 1, 'one share id for the same bytes');
      const cutId = (await engineState(seeders[0]!)).selfId;
      const received = async () => (await engineState(leecher)).peers.find((p) => p.peerId === cutId)?.chunksReceived ?? 0;
      await leecher.getByRole('button', { name: 'Download swarm.bin' }).click({ timeout: 30_000 });
      while ((await progress(leecher, 'swarm.bin')) < 0.2) await sleep(200);
      lab.setLink(seederHosts[0]!, false);
      const atCut = await received();
      t.diagnostic(`seeder 1 cut at ${Math.round((await progress(leecher, 'swarm.bin')) * 100)}% after giving ${atCut} chunks`);
      await sleep(6_000);
      const whileCut = await received();
      lab.setLink(seederHosts[0]!, true);
      const restoredAt = await progress(leecher, 'swarm.bin');
      assert.ok(restoredAt < 0.9, `the download is still running when the link returns (${Math.round(restoredAt * 100)}%)`);
      await waitForState(leecher, (s) => s.shares.some((x) => x.name === 'swarm.bin' && x.status === 'seeding'), 180_000, 'swarm.bin downloaded');
      const atEnd = await received();
      assert.equal(await sha256ThroughServiceWorker(leecher, `/files/${ids[0]}/swarm.bin`), file.sha256);
      t.diagnostic(`seeder 1 gave ${atCut} chunks before the cut, ${whileCut - atCut} while cut (in flight), ${atEnd - whileCut} after its link returned at ${Math.round(restoredAt * 100)}%`);
      assert.ok(atEnd - whileCut > 0, 'the seeder was used again after its link returned');
    } finally {
      await file.cleanup();
    }
  });

  test('the server host restarts mid-transfer: peers keep transferring, and are back in their room within 5 s of its return', async (t) => {
    const [seederHost] = lab.home('cone');
    const [leecherHost] = lab.home('cone');
    lab.shape(seederHost!, { upMbit: 24 });
    const [seeder, leecher] = await Promise.all([browserOn(seederHost!, 'labrestart'), browserOn(leecherHost!, 'labrestart')]);
    const file = await randomFile('restart.bin', 48 * MiB);
    try {
      const id = await shareFromDisk(seeder, file.path, 'restart.bin');
      await leecher.getByRole('button', { name: 'Download restart.bin' }).click({ timeout: 30_000 });
      while ((await progress(leecher, 'restart.bin')) < 0.1) await sleep(200);
      // Direct, as two cone NATs allow: a relayed pair would go down with the server's TURN process.
      const pair = await waitForPair(leecher, (p) => !isRelayed(p), 'direct', 15_000);
      t.diagnostic(`pair before the restart: ${pair.localCandidateType}/${pair.remoteCandidateType} at ${Math.round((await progress(leecher, 'restart.bin')) * 100)}%`);
      const linksBefore = await bytesByPeer(leecher);
      type Signaling = { signaling: string; reconnects: number };
      const reconnectsBefore = await Promise.all([seeder, leecher].map(async (page) => ((await engineState(page)) as unknown as Signaling).reconnects));
      const stopping = Date.now();
      const stopped = server.restart(); // stops, then starts and waits until healthy
      // The server closes every socket as it stops. Seen in the engine's state, not the badge: a
      // client that is back within a poll of the badge (a fast restart) was missed (one CI run), and
      // one CI run saw a client keep "open" for over 10 s on a loaded machine, so the wait is generous.
      await Promise.all(
        [seeder, leecher].map((page, i) => waitForState(page, (s) => (s as unknown as Signaling).signaling !== 'open' || (s as unknown as Signaling).reconnects > reconnectsBefore[i]!, 30_000, 'the client to see the server go')),
      );
      t.diagnostic(`both clients saw the server go within ${Date.now() - stopping} ms`);
      const during = await progress(leecher, 'restart.bin');
      await sleep(1_000);
      assert.ok((await progress(leecher, 'restart.bin')) > during, 'chunks keep coming while the server is away');
      const linksAfter = await bytesByPeer(leecher);
      for (const [peerId, bytes] of Object.entries(linksBefore)) {
        assert.ok((linksAfter[peerId] ?? 0) > bytes, `the connection to ${peerId} carries on while the server is away: ${bytes} -> ${linksAfter[peerId]} bytes`);
      }
      await stopped;
      const back = Date.now();
      await Promise.all([seeder, leecher].map((page) => page.getByLabel('Signaling open').waitFor({ timeout: 5_000 })));
      t.diagnostic(`both clients back in their room ${Date.now() - back} ms after the server was healthy again`);
      await waitForState(leecher, (s) => s.shares.some((x) => x.name === 'restart.bin' && x.status === 'seeding'), 120_000, 'restart.bin downloaded');
      assert.equal(await sha256ThroughServiceWorker(leecher, `/files/${id}/restart.bin`), file.sha256);
    } finally {
      await file.cleanup();
    }
  });
});
