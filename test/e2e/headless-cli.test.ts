/**
 * The `shoal` command refuses what it cannot use with a clear message and the documented exit
 * code, before it connects to anything: no command, unknown ones, links and ids that are neither,
 * bad room codes, servers and rates, paths that do not exist.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';

const SHOAL = resolve('dist/headless/shoal.js');
const ID = 'ab'.repeat(32);

function shoal(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [SHOAL, ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, SHOAL_STATE: resolve('dist/.cli-test-state') } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('usage errors exit 2 with the reason and the usage; --help exits 0', () => {
  const cases: [string[], RegExp][] = [
    [[], /Usage:/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['get'], /get needs one share link or share id/],
    [['get', 'not-a-link'], /"not-a-link" is neither a share link nor a share id/],
    [['get', 'https://x.example/#/p/' + ID + '.short'], /is neither a share link nor a share id/],
    [['get', ID, '--room', 'bad room!'], /"bad room!" is not a room code/],
    [['get', ID, '--server', 'ftp://x.example'], /must be http: or https:/],
    [['get', ID, '--server', 'not a url'], /is not a server URL/],
    [['seed'], /seed needs at least one file or folder/],
    [['seed', 'x', '--up-limit', '5'], /--up-limit 5: give bytes per second/],
    [['ls', '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const run = shoal(...args);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message, args.join(' '));
    assert.match(run.stderr, /Usage:/, `${args.join(' ')} shows the usage`);
  }
  const help = shoal('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /shoal seed PATH/);
});

test('a path that does not exist exits 1 with the reason; --json says it as an error event on stdout', () => {
  const run = shoal('seed', '/nonexistent/shoal-file', '--json');
  assert.equal(run.status, 1);
  const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string; code?: string; message?: string });
  assert.deepEqual(events, [{ event: 'error', code: 'SeedPathError', message: '/nonexistent/shoal-file: no such file or folder' }]);
});
