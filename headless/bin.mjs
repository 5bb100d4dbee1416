#!/usr/bin/env node
// `shoal` (the package's bin): builds the headless peer first when run from a source tree whose
// build is missing or older than its sources, then runs it (dist/headless/shoal.js).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (existsSync(join(root, 'esbuild.config.mjs')) && existsSync(join(root, 'web'))) {
  const build = spawnSync(process.execPath, ['esbuild.config.mjs', '--if-needed'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
await import(join(root, 'dist', 'headless', 'shoal.js'));
