/** A test video: a WebM made by Debian's ffmpeg (its cues at the end, so a player must seek to read them). */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A `seconds`-long VP8 WebM of about 0.7 MiB a second (noise keeps the bitrate up), in `dir`. */
export async function makeClip(dir: string, seconds = 30): Promise<{ path: string; sha256: string }> {
  const path = join(dir, 'clip.webm');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25,noise=alls=40:allf=t', '-t', String(seconds), '-c:v', 'libvpx', '-b:v', '6M', '-minrate', '6M', '-maxrate', '6M', '-deadline', 'realtime', '-cpu-used', '8', '-g', '50', path]);
  return { path, sha256: createHash('sha256').update(await readFile(path)).digest('hex') };
}

/**
 * Runs in the page (pass it to page.evaluate with the file's URL): plays the URL in a muted <video>
 * until one second has played; resolves with the time to `canplay` and the duration it found. The
 * element stays on the page as `globalThis.clip` (for seeking). The test's transpiler names the
 * functions declared inside through a helper the page lacks: set `globalThis.__name` there first.
 */
export async function playInPage(url: string): Promise<{ canplayMs: number; duration: number; playingMs: number }> {
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  document.body.append(video);
  (globalThis as { clip?: HTMLVideoElement }).clip = video;
  const started = performance.now();
  const until = (event: string, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms (error: ${video.error?.message ?? 'none'})`)), ms);
      video.addEventListener(event, () => (clearTimeout(timer), resolve()), { once: true });
      video.addEventListener('error', () => (clearTimeout(timer), reject(new Error(`video error: ${video.error?.message}`))), { once: true });
    });
  video.src = url;
  await until('canplay', 30_000);
  const canplayMs = performance.now() - started;
  await video.play();
  while (video.currentTime < 1) await until('timeupdate', 10_000);
  return { canplayMs, duration: video.duration, playingMs: performance.now() - started };
}
