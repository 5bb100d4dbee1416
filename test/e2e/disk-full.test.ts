/**
 * A disk that fills up mid-download: the leecher's Chromium profile lives on a small tmpfs, and once
 * the download is under way this test fills that file system. The download must pause itself with a
 * clear message (not fail, not crash), keep what it verified, and, once space is freed and the user
 * clicks Resume, complete with the right SHA-256.
 *
 * Mounting a tmpfs needs root (CAP_SYS_ADMIN); where it is not allowed the test is skipped, saying why.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  engineState,
  launchBrowser,
  openApp,
  randomFile,
  sha256ThroughServiceWorker,
  shareFromDisk,
  startServer,
  waitForState,
  type LaunchedBrowser,
  type RunningServer,
} from './harness.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 48 * MiB;
const mountPoint = mkdtempSync(join(tmpdir(), 'shoal-small-disk-'));

function tryMount(): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=112m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
}

/** Writes a filler file until the file system is full; returns its path. */
async function fillDisk(): Promise<string> {
  const path = join(mountPoint, 'filler.bin');
  const handle = await open(path, 'w');
  const block = Buffer.alloc(MiB, 1);
  try {
    for (;;) await handle.write(block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return path;
}

const cannotMount = tryMount();

describe('a disk that fills up mid-download', { timeout: 300_000, skip: cannotMount }, () => {
  let server: RunningServer;
  let seeder: LaunchedBrowser;
  let leecher: LaunchedBrowser;
  let file: Awaited<ReturnType<typeof randomFile>>;

  before(async () => {
    server = await startServer();
    file = await randomFile('big.bin', FILE_BYTES);
    seeder = await launchBrowser();
    leecher = await launchBrowser({ profileParent: mountPoint });
    await Promise.all([openApp(seeder.page, server.url), openApp(leecher.page, server.url)]);
  });

  after(async () => {
    await Promise.all([seeder?.close(), leecher?.close()]);
    await server?.stop();
    await file?.cleanup();
    try {
      execFileSync('umount', [mountPoint]);
    } catch {
      // not mounted
    }
    rmSync(mountPoint, { recursive: true, force: true });
  });

  test('pauses with a clear message, keeps its chunks, and completes after Resume', async () => {
    const shareId = await shareFromDisk(seeder.page, file.path, 'big.bin', 60_000);
    await leecher.page.getByRole('button', { name: 'Download big.bin' }).click({ timeout: 15_000 });
    await waitForState(leecher.page, (s) => s.shares.some((x) => x.id === shareId && x.bytesDone > 4 * MiB), 60_000, 'download under way');
    const filler = await fillDisk();

    const paused = await waitForState(leecher.page, (s) => s.shares.some((x) => x.id === shareId && x.status === 'paused'), 60_000, 'pause on a full disk');
    const share = paused.shares.find((x) => x.id === shareId)!;
    assert.match(share.error ?? '', /disk is full.*Resume/, 'the user is told why and what to do');
    assert.ok(share.bytesDone < FILE_BYTES, 'paused before the end');
    const kept = share.bytesDone;
    await new Promise((r) => setTimeout(r, 1500));
    const later = (await engineState(leecher.page)).shares.find((x) => x.id === shareId)!;
    assert.equal(later.status, 'paused', 'stays paused while the disk is full');
    assert.ok(later.bytesDone >= kept, 'nothing already verified is lost');

    await rm(filler);
    await leecher.page.getByRole('button', { name: 'Resume big.bin' }).click();
    await waitForState(leecher.page, (s) => s.shares.some((x) => x.id === shareId && x.status === 'seeding'), 120_000, 'completion after Resume');
    assert.equal(await sha256ThroughServiceWorker(leecher.page, `/files/${shareId}/big.bin`), file.sha256);
  });
});
