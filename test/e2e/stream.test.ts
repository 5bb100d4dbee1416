/**
 * Play and read while downloading, end to end with Debian's Chromium: B downloads from A under a
 * 1 MiB/s limit, and meanwhile
 * - a fetch of the share from B's page returns the whole file, byte for byte, while it downloads;
 * - a `<video>` pointed at a WebM clip (made by Debian's ffmpeg, with its cues at the end) reaches
 *   `canplay` and plays while the download is under 50 %, and a seek to the end plays too: both
 *   need the service worker to ask the data plane for those chunks first.
 * Prints the figures (time to canplay, share of the file downloaded then) as a JSON line. The
 * downloads never lose their channel meanwhile (a view change used to re-join the room).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeClip, playInPage } from './clip.js';
import { engineState, launchBrowser, openApp, randomFile, shareFromDisk, showView, startServer, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';

const CLIP_SECONDS = 30;

describe('play and read while downloading', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let a: LaunchedBrowser;
  let b: LaunchedBrowser;
  let dir: string;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shoal-stream-'));
    server = await startServer();
    [a, b] = await Promise.all([launchBrowser(), launchBrowser()]);
    await Promise.all([openApp(a.page, server.url), openApp(b.page, `${server.url}/#/settings`)]);
    // B downloads at 1 MiB/s: slow enough that the file is read long before it is whole.
    await b.page.getByLabel('Download limit in MiB/s').fill('1');
    await b.page.getByLabel('Download limit in MiB/s').press('Tab');
    await showView(b.page, 'Files');
    await b.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
    // tsx names the functions declared in page.evaluate bodies through a helper the page lacks.
    await b.page.evaluate('globalThis.__name = (f) => f');
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.stop();
    await Promise.all(cleanups.map((c) => c()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a share still downloading, fetched from the page, comes back whole and correct', async () => {
    const file = await randomFile('stream-read.bin', 4 * 1024 * 1024);
    cleanups.push(file.cleanup);
    const id = await shareFromDisk(a.page, file.path, 'stream-read.bin');
    await b.page.getByRole('button', { name: 'Download stream-read.bin' }).click({ timeout: 15_000 });
    const started = await waitForState(b.page, (s) => s.shares.some((x) => x.id === id && x.status === 'downloading' && x.bytesDone > 0), 30_000, 'the download to start');
    const share = started.shares.find((x) => x.id === id)!;
    assert.ok(share.bytesDone < share.size / 2, 'fetched while under half of it is here');
    // A range ahead of the download: 206 with exactly those bytes, fetched ahead of the rest.
    const ranged = await b.page.evaluate(async (url) => {
      const response = await fetch(url, { headers: { range: 'bytes=4000000-4000099' } });
      return { status: response.status, range: response.headers.get('content-range'), bytes: [...new Uint8Array(await response.arrayBuffer())] };
    }, `/files/${id}/stream-read.bin`);
    const original = await readFile(file.path);
    assert.deepEqual(ranged, { status: 206, range: `bytes 4000000-4000099/${original.length}`, bytes: [...original.subarray(4000000, 4000100)] });
    assert.ok((await engineState(b.page)).shares.find((x) => x.id === id)!.bytesDone < share.size, 'while the download still runs');
    const hash = await b.page.evaluate(async (url) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
      const digest = await crypto.subtle.digest('SHA-256', await response.arrayBuffer());
      return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, '0')).join('');
    }, `/files/${id}/stream-read.bin`);
    assert.equal(hash, file.sha256);
    await waitForState(b.page, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 30_000, 'the download to end');
  });

  test('a WebM clip plays while under 50 % is downloaded, and a seek to the end plays too', async () => {
    const clip = await makeClip(dir, CLIP_SECONDS);
    const id = await shareFromDisk(a.page, clip.path, 'clip.webm');
    await b.page.getByRole('button', { name: 'Download clip.webm' }).click({ timeout: 15_000 });
    await waitForState(b.page, (s) => s.shares.some((x) => x.id === id && x.status === 'downloading' && x.bytesDone > 0), 30_000, 'the clip download to start');
    // The user's way in: the download's Open link in Transfers.
    await showView(b.page, 'Transfers');
    const open = b.page.getByRole('link', { name: 'Open clip.webm while it downloads' });
    assert.equal(await open.getAttribute('href'), `/files/${id}/clip.webm`);
    const fraction = async () => {
      const share = (await waitForState(b.page, () => true, 1_000, '')).shares.find((x) => x.id === id)!;
      return share.status === 'seeding' ? 1 : share.bytesDone / share.size;
    };
    const atStart = await fraction();
    const play = await b.page.evaluate(playInPage, (await open.getAttribute('href'))!);
    const atPlay = await fraction();
    assert.ok(atPlay < 0.5, `played with ${(atPlay * 100).toFixed(1)} % downloaded`);
    assert.ok(Math.abs(play.duration - CLIP_SECONDS) < 0.5, `the clip's duration is known (${play.duration} s): its cues at the end were read`);

    const seek = await b.page.evaluate(async () => {
      const video = (globalThis as { clip?: HTMLVideoElement }).clip!;
      const started = performance.now();
      const target = video.duration - 1.5;
      video.currentTime = target;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no seeked within 30 s (error: ${video.error?.message ?? 'none'})`)), 30_000);
        video.addEventListener('seeked', () => (clearTimeout(timer), resolve()), { once: true });
      });
      const seekedMs = performance.now() - started;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stuck at ${video.currentTime} s after the seek`)), 30_000);
        const check = () => (video.ended || video.currentTime > target + 1 ? (clearTimeout(timer), resolve()) : undefined);
        video.addEventListener('timeupdate', check);
        video.addEventListener('ended', check);
      });
      return { seekedMs, playedToMs: performance.now() - started };
    });
    const atSeek = await fraction();
    assert.ok(atSeek < 0.5, `the end played with ${(atSeek * 100).toFixed(1)} % downloaded`);
    console.log(
      JSON.stringify({
        case: 'play-while-downloading',
        clipBytes: (await readFile(clip.path)).length,
        downloadLimitMiBps: 1,
        percentAtStart: +(atStart * 100).toFixed(1),
        canplayMs: Math.round(play.canplayMs),
        playing1sMs: Math.round(play.playingMs),
        percentAtPlay: +(atPlay * 100).toFixed(1),
        seekToEndSeekedMs: Math.round(seek.seekedMs),
        seekToEndPlayedMs: Math.round(seek.playedToMs),
        percentAfterSeek: +(atSeek * 100).toFixed(1),
      }),
    );
    // The rest at full speed (and the limit gone for whatever runs next).
    await showView(b.page, 'Settings');
    await b.page.getByLabel('Download limit in MiB/s').fill('');
    await b.page.getByLabel('Download limit in MiB/s').press('Tab');
    const done = await waitForState(b.page, (s) => s.shares.some((x) => x.id === id && x.status === 'seeding'), 60_000, 'the clip download to end');
    assert.equal(done.shares.find((x) => x.id === id)!.fileHash, clip.sha256);
    // Moving between views (here to Transfers) re-joined the room once, and every peer dropped its
    // connection: the download stood still for seconds. Nothing may have broken a channel.
    assert.deepEqual(done.peers.map((p) => p.lastFailure ?? null), [null], 'no channel to A closed under the download');
  });
});
