// `npm test`: checks the machine has what the tests need, builds, type-checks, then runs the unit
// (node --test), browser (web-test-runner on Chromium) and end-to-end (playwright-core + the real
// server) layers, and ends with one line: "N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const only = process.argv.slice(2); // e.g. `npm test -- unit e2e`
const totals = { passed: 0, failed: 0 };

function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`test: ${CHROMIUM} is missing; installing Debian's chromium package`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
    if (install && install.status === 0 && existsSync(CHROMIUM)) return;
  }
  console.error(
    `test: Chromium is required at ${CHROMIUM} and is missing.\n` +
      `      Install it with:  sudo apt-get install chromium   (Debian/Ubuntu)\n` +
      `      or point CHROMIUM_PATH at an existing Chromium or Chrome binary.`,
  );
  console.log('0 passed, 1 failed');
  process.exit(1);
}

/** Runs a command, echoing its output; `count(output)` turns it into passed/failed numbers. */
function run(title, command, args, count) {
  console.log(`\n== ${title}: ${[command, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    const echo = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', echo(process.stdout));
    child.stderr.on('data', echo(process.stderr));
    child.on('close', (code) => {
      const { passed, failed } = count(output, code);
      // A runner that crashed, exited non-zero without reporting a failure, or ran no test at all
      // counts as one failure: a layer that silently tests nothing must not pass.
      const reportedFailed = failed === 0 && (code !== 0 || passed === 0) ? 1 : failed;
      totals.passed += passed;
      totals.failed += reportedFailed;
      console.log(`== ${title}: ${passed} passed, ${reportedFailed} failed`);
      resolve();
    });
  });
}

const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
const tapCounts = (output) => ({
  passed: Number(/^# pass (\d+)/m.exec(output)?.[1] ?? 0),
  failed: Number(/^# fail (\d+)/m.exec(output)?.[1] ?? 0),
});
const exitCount = (_output, code) => ({ passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 });
const wtrCounts = (output) => {
  const matches = [...stripAnsi(output).matchAll(/(\d+) passed, (\d+) failed/g)];
  const last = matches.at(-1);
  return { passed: Number(last?.[1] ?? 0), failed: Number(last?.[2] ?? 0) };
};
const want = (layer) => only.length === 0 || only.includes(layer);

const node = process.execPath;
// Node 20's test runner takes files, not folders or globs.
const testFiles = (dir) => readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(dir, f));
const bin = (name) => `node_modules/.bin/${name}`;

if (want('browser') || want('e2e')) ensureChromium();
await run('build', node, ['esbuild.config.mjs'], exitCount);
if (want('typecheck')) {
  for (const project of ['.', 'workers', 'sw']) await run(`typecheck ${project}`, bin('tsc'), ['--noEmit', '-p', project], exitCount);
}
if (want('unit')) await run('unit', node, ['--import', 'tsx', '--test', '--test-reporter=tap', ...testFiles('test/unit')], tapCounts);
if (want('browser')) await run('browser', bin('web-test-runner'), ['--static-logging'], wtrCounts);
if (want('e2e')) await run('e2e', node, ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=1', ...testFiles('test/e2e')], tapCounts);

console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);
