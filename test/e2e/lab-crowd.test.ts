/**
 * A flash crowd in the network lab (test/lab/): one seeder and four leechers, each browser behind
 * its own NAT (cone and symmetric), every uplink capped at 8 Mbit/s as on home lines, the four
 * clicking Download at once. A swarm is what makes this work: leechers pass on the chunks they have,
 * so the seeder sends little more than one copy and everyone finishes about when one would alone.
 * Checked: every leecher gets the right SHA-256, the seeder sends at most 2× the file, and every
 * leecher uploads to the others. (`npm run bench -- lab`, flash-crowd, measures eight.)
 * Needs root (network namespaces); skipped with a reason where there is none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { engineState, randomFile, sha256ThroughServiceWorker, shareFromDisk, waitForState, type LaunchedBrowser } from './harness.js';
import { Lab, type LabHost } from '../lab/lab.js';
import { labBrowser, startLabServer, type LabServer } from '../lab/lab-server.js';

const MiB = 1024 * 1024;
const SIZE = 16 * MiB;
const UPLINK_MBIT = 8;
const ROOM = 'labcrowd';
const isRoot = process.getuid?.() === 0;

describe('a flash crowd in the network lab', { timeout: 600_000, skip: isRoot ? false : 'network namespaces need root' }, () => {
  let lab: Lab;
  let server: LabServer;
  const browsers: LaunchedBrowser[] = [];
  const pageOn = async (host: LabHost): Promise<Page> => {
    const browser = await labBrowser(lab, host, ROOM);
    browsers.push(browser);
    return browser.page;
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

  test('one seeder, four leechers at once on 8 Mbit/s uplinks: all complete, the seeder sends at most 2× the file, every leecher uploads', async (t) => {
    const seederHost = lab.home('cone')[0]!;
    const leecherHosts = [lab.home('cone')[0]!, lab.home('symmetric')[0]!, lab.home('cone')[0]!, lab.home('symmetric')[0]!];
    for (const host of [seederHost, ...leecherHosts]) lab.shape(host, { upMbit: UPLINK_MBIT });
    const [seeder, ...leechers] = await Promise.all([seederHost, ...leecherHosts].map(pageOn));
    const file = await randomFile('crowd.bin', SIZE);
    try {
      const shareId = await shareFromDisk(seeder!, file.path, 'crowd.bin');
      await Promise.all(leechers.map((page) => page.getByRole('button', { name: 'Download crowd.bin' }).waitFor({ timeout: 30_000 })));
      const started = Date.now();
      await Promise.all(leechers.map((page) => page.getByRole('button', { name: 'Download crowd.bin' }).click()));
      const seconds = await Promise.all(
        leechers.map(async (page) => {
          await waitForState(page, (s) => s.shares.some((x) => x.id === shareId && x.status === 'seeding'), 240_000, 'the crowd download');
          return (Date.now() - started) / 1000;
        }),
      );
      for (const page of leechers) assert.equal(await sha256ThroughServiceWorker(page, `/files/${shareId}/crowd.bin`), file.sha256);
      const sent = (page: Page) => engineState(page).then((s) => s.peers.reduce((n, p) => n + p.bytesSent, 0));
      const seederSent = await sent(seeder!);
      const uploaded = await Promise.all(leechers.map(sent));
      const alone = (SIZE * 8) / (UPLINK_MBIT * 1e6);
      t.diagnostic(`done after ${seconds.map((s) => s.toFixed(1)).join(', ')} s (one copy at the seeder's cap: ${alone.toFixed(1)} s); the seeder sent ${(seederSent / SIZE).toFixed(2)}× the file; leechers uploaded ${uploaded.map((b) => (b / MiB).toFixed(1)).join(', ')} MiB`);
      assert.ok(seederSent <= 2 * SIZE, `the seeder sent ${(seederSent / SIZE).toFixed(2)}× the file`);
      assert.ok(uploaded.every((bytes) => bytes > 0), `every leecher uploaded: ${uploaded.join(', ')} bytes`);
    } finally {
      await file.cleanup();
    }
  });
});
