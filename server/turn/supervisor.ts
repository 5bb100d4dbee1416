/**
 * Runs the STUN/TURN process as a child and restarts it with backoff when it dies, so a crash
 * there costs relayed peers a reconnect, not the whole server.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log.js';

export type TurnState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface TurnSupervisorOptions {
  script: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

const MAX_BACKOFF_MS = 30_000;

export class TurnSupervisor {
  #child: ChildProcess | undefined;
  #state: TurnState = 'stopped';
  #restarts = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(private readonly options: TurnSupervisorOptions) {}

  /** Times the child has been restarted after dying. */
  get restarts(): number {
    return this.#restarts;
  }

  get state(): TurnState {
    return this.#state;
  }

  start(): void {
    this.#stopping = false;
    this.#state = this.#restarts === 0 ? 'starting' : 'restarting';
    const child = fork(this.options.script, [], { env: this.options.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child = child;
    child.on('message', (message: { type?: string }) => {
      if (message?.type === 'ready') {
        this.#state = 'running';
        this.options.log.info('TURN/STUN process ready', { pid: child.pid });
      }
    });
    child.on('exit', (code, signal) => {
      this.#child = undefined;
      if (this.#stopping) {
        this.#state = 'stopped';
        return;
      }
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.#restarts, 6));
      this.#restarts++;
      this.#state = 'restarting';
      this.options.log.warn('TURN/STUN process exited; restarting', { code, signal, inMs: delay });
      this.#timer = setTimeout(() => this.start(), delay);
    });
  }

  /** Stops the child; resolves once it has exited (or was killed after a grace period). */
  stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    const child = this.#child;
    if (!child) {
      this.#state = 'stopped';
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
