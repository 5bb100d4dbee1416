/**
 * Debian's Chromium with a window, on an Xvfb display, driven over the DevTools protocol directly.
 * Playwright keeps every page it attaches to "visible" (its focus emulation makes the page count as
 * captured), and headless Chromium never hides a page, so a real background tab needs both a
 * window and no Playwright: here another tab in front makes the app's `document.visibilityState`
 * "hidden", as it is for a user who switched tabs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CHROMIUM, CHROMIUM_ARGS, freeTcpPort } from '../e2e/harness.js';

export const hasXvfb = (): boolean => spawnSync('which', ['Xvfb']).status === 0;

interface Target {
  id: string;
  type: string;
  url: string;
  webSocketDebuggerUrl: string;
}

/** One page target, spoken to over its own DevTools WebSocket. */
export class CdpPage {
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(
    readonly target: Target,
    private readonly socket: WebSocket,
  ) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id!);
      if (message.error) pending.reject(new Error(message.error.message));
      else pending.resolve(message.result);
    });
  }

  static async attach(target: Target): Promise<CdpPage> {
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new CdpPage(target, socket);
  }

  call<T>(method: string, params: object = {}): Promise<T> {
    const id = ++this.#nextId;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** The value of `expression` (awaited when it is a promise); a thrown error is thrown here. */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = await this.call<{ result: { value: T }; exceptionDetails?: { exception?: { description?: string }; text: string } }>('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (reply.exceptionDetails) throw new Error(reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text);
    return reply.result.value;
  }

  /** Polls `expression` until it is truthy. */
  async waitFor(expression: string, timeoutMs: number, what: string): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; !(await this.evaluate<boolean>(expression).catch(() => false)); ) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): void {
    this.socket.close();
  }
}

export interface HeadfulChromium {
  /** The first tab, showing `url`. */
  page: CdpPage;
  /** Puts a blank tab in front of the app (hiding it); returns the call that brings the app back. */
  coverWithTab(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export async function launchHeadful(url: string): Promise<HeadfulChromium> {
  let display = 90;
  while (existsSync(`/tmp/.X11-unix/X${display}`) || existsSync(`/tmp/.X${display}-lock`)) display++;
  const xvfb: ChildProcess = spawn('Xvfb', [`:${display}`, '-screen', '0', '1440x900x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  const port = await freeTcpPort();
  const profile = await mkdtemp(join(tmpdir(), 'shoal-headful-'));
  let chrome: ChildProcess | undefined;
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (chrome && chrome.exitCode === null) {
      const exited = new Promise((resolve) => chrome!.once('exit', resolve));
      chrome.kill();
      await exited;
    }
    xvfb.kill();
    await rm(profile, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 50 && !existsSync(`/tmp/.X11-unix/X${display}`); i++) await new Promise((r) => setTimeout(r, 100));
    chrome = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--remote-debugging-port=${port}`, `--user-data-dir=${profile}`, '--window-size=1440,900', url], { stdio: 'ignore', env: { ...process.env, DISPLAY: `:${display}` } });
    let targets: Target[] = [];
    for (let i = 0; i < 100 && !targets.some((t) => t.type === 'page' && t.url.startsWith(url.split('#')[0]!)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      targets = await fetch(`${base}/json/list`).then((r) => r.json() as Promise<Target[]>, () => []);
    }
    const target = targets.find((t) => t.type === 'page' && t.url.startsWith(url.split('#')[0]!));
    if (!target) throw new Error('Chromium did not open the page');
    const page = await CdpPage.attach(target);
    return {
      page,
      coverWithTab: async () => {
        const cover = (await (await fetch(`${base}/json/new?about:blank`, { method: 'PUT' })).json()) as Target;
        await fetch(`${base}/json/activate/${cover.id}`);
        return async () => {
          await fetch(`${base}/json/activate/${target.id}`);
          await fetch(`${base}/json/close/${cover.id}`);
        };
      },
      close: async () => {
        page.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
