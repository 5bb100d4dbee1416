/**
 * Speed limits set through the UI: a seeder's upload limit and a leecher's download limit each hold
 * a transfer to about the rate chosen (checked as a lower bound on its duration, which a slow
 * machine cannot break), and the choice survives a reload.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { engineState, launchBrowser, openApp, randomFile, shareFromDisk, showView, startServer, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 6 * MiB;
const LIMIT_MIB = 2;
/** 6 MiB at 2 MiB/s, less the limiter's 0.5 MiB burst: at least 2.75 s. */
const MIN_SECONDS = (FILE_BYTES / MiB - 0.5) / LIMIT_MIB;
/** A limiter that throttled well below its rate would take longer than this (3 s at the limit, three times over). */
const MAX_SECONDS = (3 * FILE_BYTES) / MiB / LIMIT_MIB;

async function setLimit(page: Page, which: 'Upload' | 'Download', mib: string): Promise<void> {
  await showView(page, 'Settings');
  await page.getByLabel(`${which} limit in MiB/s`).fill(mib);
  await page.getByLabel(`${which} limit in MiB/s`).press('Tab'); // commits: fires change
  await showView(page, 'Files');
}

async function timedDownload(page: Page, name: string, shareId: string): Promise<number> {
  const started = performance.now();
  await page.getByRole('button', { name: `Download ${name}` }).click({ timeout: 15_000 });
  await waitForState(page, (s) => s.shares.some((x) => x.id === shareId && x.status === 'seeding'), 60_000, `download of ${name}`);
  return (performance.now() - started) / 1000;
}

describe('speed limits', { timeout: 240_000 }, () => {
  let server: RunningServer;
  let seeder: LaunchedBrowser;
  let leecher: LaunchedBrowser;
  const files: Awaited<ReturnType<typeof randomFile>>[] = [];

  before(async () => {
    server = await startServer();
    [seeder, leecher] = await Promise.all([launchBrowser(), launchBrowser()]);
    await Promise.all([openApp(seeder.page, server.url), openApp(leecher.page, server.url)]);
  });

  after(async () => {
    await Promise.all([seeder?.close(), leecher?.close()]);
    await server?.stop();
    await Promise.all(files.map((f) => f.cleanup()));
  });

  test('an upload limit holds a transfer to it', async (t) => {
    const file = await randomFile('up.bin', FILE_BYTES);
    files.push(file);
    await setLimit(seeder.page, 'Upload', String(LIMIT_MIB));
    const id = await shareFromDisk(seeder.page, file.path, 'up.bin');
    const seconds = await timedDownload(leecher.page, 'up.bin', id);
    t.diagnostic(`6 MiB at an upload limit of 2 MiB/s: ${seconds.toFixed(2)} s`);
    assert.ok(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS, `took ${seconds.toFixed(2)} s; the limit allows ${MIN_SECONDS} to ${MAX_SECONDS} s`);
    await setLimit(seeder.page, 'Upload', '');
  });

  test('a download limit holds a transfer to it, and survives a reload', async (t) => {
    const file = await randomFile('down.bin', FILE_BYTES);
    files.push(file);
    await setLimit(leecher.page, 'Download', String(LIMIT_MIB));
    await openApp(leecher.page, `${server.url}/#/settings`); // reload: the limit comes back from localStorage
    assert.equal(await leecher.page.getByLabel('Download limit in MiB/s').inputValue(), String(LIMIT_MIB));
    assert.equal((await leecher.page.evaluate(() => (globalThis as any).shoal.store.state.limits.download)) as number, LIMIT_MIB * MiB);
    await showView(leecher.page, 'Files');
    const id = await shareFromDisk(seeder.page, file.path, 'down.bin');
    const seconds = await timedDownload(leecher.page, 'down.bin', id);
    t.diagnostic(`6 MiB at a download limit of 2 MiB/s: ${seconds.toFixed(2)} s`);
    assert.ok(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS, `took ${seconds.toFixed(2)} s; the limit allows ${MIN_SECONDS} to ${MAX_SECONDS} s`);
    assert.equal((await engineState(leecher.page)).shares.find((s) => s.id === id)?.status, 'seeding');
  });

  test('a typed limit that is not a positive number is refused, leaving the last one', async () => {
    await setLimit(leecher.page, 'Download', 'fast');
    assert.equal((await leecher.page.evaluate(() => (globalThis as any).shoal.store.state.limits.download)) as number, LIMIT_MIB * MiB);
  });
});
