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
