/** Runs the headless peer's command (the built dist/headless/shoal.js) with --json, and reads its events. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export type CliEvent = Record<string, unknown> & { event: string };

export interface CliRun {
  child: ChildProcess;
  events: CliEvent[];
  /** The first event (past or future) that satisfies `predicate`. */
  waitFor(predicate: (event: CliEvent) => boolean, timeoutMs: number, what: string): Promise<CliEvent>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  stderr(): string;
}

const SHOAL = resolve('dist/headless/shoal.js');

/** Runs `shoal ARGS --json`; `inNamespace` runs it on a network lab host (`ip netns exec`); `nodeArgs` go to Node (e.g. --cpu-prof). */
export function runShoal(args: string[], options: { cwd?: string; env?: Record<string, string>; inNamespace?: string; nodeArgs?: string[] } = {}): CliRun {
  const command = [process.execPath, ...(options.nodeArgs ?? []), SHOAL, ...args, '--json'];
  if (options.inNamespace) command.unshift('ip', 'netns', 'exec', options.inNamespace);
  const child = spawn(command[0]!, command.slice(1), { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: CliEvent[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let pending = '';
  child.stdout!.on('data', (data: Buffer) => {
    pending += data;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === '') continue;
      events.push(JSON.parse(line) as CliEvent);
      if (process.env.SHOAL_TEST_VERBOSE) console.log(`[shoal ${args[0]}] ${line}`);
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', (data: Buffer) => {
    stderr += data;
    if (process.env.SHOAL_TEST_VERBOSE) process.stderr.write(`[shoal ${args[0]} stderr] ${data}`);
  });
  const exited = new Promise<number | string>((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown')));
  exited.then(() => {
    for (const wake of waiters) wake();
  });
  let done = false;
  exited.then(() => (done = true));
  return {
    child,
    events,
    exited,
    stderr: () => stderr,
    waitFor(predicate, timeoutMs, what) {
      return new Promise((resolveEvent, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (found) return finish(() => resolveEvent(found));
          if (done) return finish(() => reject(new Error(`shoal ${args[0]} exited before ${what}; events: ${JSON.stringify(events.slice(-5))}; stderr: ${stderr.slice(-2000)}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events.slice(-5))}; stderr: ${stderr.slice(-2000)}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
  };
}
