/**
 * The Dockerfile's steps, run outside Docker (no engine here): each stage gets an empty directory as
 * its WORKDIR, its COPY lines copy exactly what they name (a source folder the build needs but the
 * Dockerfile forgets fails the build step), its RUN lines run with its ENV, and the run stage's CMD
 * starts as an unprivileged user with what that stage holds and must pass the HEALTHCHECK.
 * Two stand-ins, said where they happen: `npm ci` links the node_modules this checkout installed (no
 * registry in tests), and apt-get (dumb-init) is skipped. Needs root to drop to `nobody`.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dockerfileStages, type Instruction } from '../dockerfile.js';
import { freeTcpPort, freeUdpPort } from './harness.js';

const repo = process.cwd();
const isRoot = process.getuid?.() === 0;
const dirs: string[] = [];
let server: ChildProcess | undefined;

after(() => {
  server?.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `KEY=value KEY2=value2` of ENV lines. */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.filter((i) => i.keyword === 'ENV')) for (const pair of args.split(/\s+/)) env[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
  return env;
}

/**
 * Stands in for `npm ci` (no registry in tests) with what this checkout installed: all of it by a
 * link, or with `--omit=dev` a copy of only the production dependency tree (`npm ls --omit=dev`), so
 * that a server import of a dev dependency fails here as it would in the image.
 */
function installDependencies(dir: string, productionOnly: boolean): void {
  if (!productionOnly) return symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repo, encoding: 'utf8' }).split('\n').filter((p) => p.startsWith(join(repo, 'node_modules') + '/'));
  const copied: string[] = [];
  for (const path of listed.sort()) {
    if (copied.some((parent) => path.startsWith(parent + '/'))) continue;
    cpSync(path, join(dir, path.slice(repo.length + 1)), { recursive: true });
    copied.push(path);
  }
}

/** Runs a stage's COPY and RUN lines in a new directory; returns it. */
function runStage(stage: Instruction[], stageDirs: Map<string, string>, log: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-docker-'));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...envOf(stage) };
  for (const { keyword, args } of stage) {
    if (keyword === 'COPY') {
      const from = /^--from=(\S+)\s+/.exec(args);
      const parts = args.replace(/^--from=\S+\s+/, '').split(/\s+/);
      const targetText = parts.pop()!;
      const target = join(dir, targetText);
      for (const source of parts) {
        const origin = from ? join(stageDirs.get(from[1]!)!, source.replace(/^\/app\/?/, '')) : join(repo, source);
        cpSync(origin, parts.length > 1 || targetText.endsWith('/') ? join(target, source.split('/').pop()!) : target, { recursive: true });
      }
      log.push(`COPY ${args}`);
    } else if (keyword === 'RUN') {
      if (/^apt-get\b/.test(args)) {
        log.push(`skipped: RUN ${args.slice(0, 60)}…`);
        continue;
      }
      const commands = args.split(/\s*&&\s*/).filter((command) => !/^npm cache\b/.test(command));
      for (const command of commands) {
        if (/^npm ci\b/.test(command)) {
          installDependencies(dir, /--omit=dev\b/.test(command));
          log.push(`stand-in for ${command}`);
          continue;
        }
        execFileSync('sh', ['-c', command], { cwd: dir, env, stdio: 'pipe' });
        log.push(`RUN ${command}`);
      }
    }
  }
  return dir;
}

test('the Dockerfile\'s build and run stages work as written, and the image would be healthy', { skip: isRoot ? false : 'dropping to nobody needs root', timeout: 180_000 }, async (t) => {
  const stages = dockerfileStages();
  const stageDirs = new Map<string, string>();
  const log: string[] = [];
  let last: { dir: string; stage: Instruction[] } | undefined;
  for (const stage of stages) {
    const name = /\bAS\s+(\S+)$/i.exec(stage[0]!.args)?.[1] ?? String(stageDirs.size);
    let dir: string;
    try {
      dir = runStage(stage, stageDirs, log);
    } catch (error) {
      const e = error as { stderr?: Buffer; message: string };
      assert.fail(`stage ${name} failed after:\n  ${log.join('\n  ')}\n${e.stderr?.toString().slice(-2000) ?? e.message}`);
    }
    stageDirs.set(name, dir);
    last = { dir, stage };
  }
  const { dir, stage } = last!;
  const command = JSON.parse(stage.find((i) => i.keyword === 'CMD')!.args) as string[];
  const user = stage.find((i) => i.keyword === 'USER')!.args;
  assert.notEqual(user, 'root');
  const [port, stunPort, turnPort] = [await freeTcpPort(), await freeUdpPort(), await freeUdpPort()];
  // The image's ENV, on free loopback ports (only the addresses differ from the container's).
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...envOf(stage), PORT: String(port), HOST: '127.0.0.1', STUN_PORT: String(stunPort), TURN_PORT: String(turnPort), TURN_LISTEN_IP: '127.0.0.1' };
  let output = '';
  // The image runs as `node`; this machine has no such user, so the same step runs as nobody.
  server = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', process.execPath, ...command.slice(1)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  const health = JSON.parse(stage.find((i) => i.keyword === 'HEALTHCHECK')!.args.replace(/^.*?CMD\s+/, '')) as string[];
  const deadline = Date.now() + 30_000;
  for (;;) {
    assert.equal(server.exitCode, null, `the server exited:\n${output}`);
    try {
      execFileSync(health[0] === 'node' ? process.execPath : health[0]!, health.slice(1), { env, stdio: 'pipe' });
      break;
    } catch {
      if (Date.now() > deadline) assert.fail(`HEALTHCHECK never passed:\n${output}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  t.diagnostic(`steps: ${log.join(' | ')}`);
});
