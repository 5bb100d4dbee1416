/**
 * Chromium confined to one CPU (`taskset`), as a launch's executablePath: every process it starts
 * (renderers, network service, GPU) inherits the mask. Two browsers pinned to different cores of
 * this 2-core VM are two single-core devices, as a real sender and receiver are, instead of two
 * browsers whose threads the kernel shuffles over both cores from one moment to the next.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM } from '../e2e/harness.js';

let dir: Promise<string> | undefined;

export async function pinnedChromium(cpu: number): Promise<string> {
  dir ??= mkdtemp(join(tmpdir(), 'shoal-pinned-'));
  const path = join(await dir, `chromium-cpu${cpu}`);
  await writeFile(path, `#!/bin/sh\nexec taskset -c ${cpu} ${CHROMIUM} "$@"\n`);
  await chmod(path, 0o755);
  return path;
}
