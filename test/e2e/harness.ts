/**
 * End-to-end harness: starts the real built server (with its TURN child) on free ports and real
 * Chromium instances (Debian's /usr/bin/chromium) driven by playwright-core; stops all of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
    socket.on('error', reject);
  });
}

export interface RunningServer {
  url: string;
  port: number;
  stunPort: number;
  turnPort: number;
  process: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

/** Starts the built server; `port` keeps an origin across servers (a redeployment). */
export async function startServer(env: Record<string, string> = {}, port?: number): Promise<RunningServer> {
  port ??= await freeTcpPort();
  const stunPort = await freeUdpPort();
  const turnPort = await freeUdpPort();
  let output = '';
  const child = spawn(process.execPath, ['dist/server/main.js'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', STUN_PORT: String(stunPort), TURN_PORT: String(turnPort), TURN_ALLOW_LOOPBACK: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      // "ok" once the TURN process runs too; any client may read the status, operators the details.
      const health = (await (await fetch(`${url}/api/health`)).json()) as { status: string };
      if (health.status === 'ok') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not become healthy:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    stunPort,
    turnPort,
    process: child,
    log: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export interface LaunchedBrowser {
  browser: Browser | null;
  context: BrowserContext;
  page: Page;
  tag: string;
  close: () => Promise<void>;
}

let launchCounter = 0;

/**
 * A separate Chromium process with its own on-disk profile, as a user's browser has: playwright's
 * default contexts are off-the-record, where OPFS lives in the browser process's memory and every
 * write is an IPC, which is neither what users run nor bounded in memory.
 */
export interface LaunchOptions {
  profileParent?: string;
  /** Another executable, e.g. a wrapper that runs Chromium inside a lab host's network namespace. */
  executablePath?: string;
  /** Flags beyond CHROMIUM_ARGS. */
  args?: string[];
  /**
   * An X display (e.g. ":99" of an Xvfb) to run a headful browser on: only there does a tab behind
   * another become hidden (headless Chromium keeps every page visible).
   */
  display?: string;
  /**
   * A private window: a fresh incognito context (storage in memory, in the browser process) instead
   * of a persistent profile.
   */
  incognito?: boolean;
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  // An inert flag that tags this browser's main process, so its renderers can be found in /proc.
  const tag = `shoal-${process.pid}-${++launchCounter}`;
  const profile = await mkdtemp(join(options.profileParent ?? tmpdir(), 'shoal-profile-'));
  const launch = {
    executablePath: options.executablePath ?? CHROMIUM,
    headless: options.display === undefined,
    ...(options.display !== undefined ? { env: { ...process.env, DISPLAY: options.display } } : {}),
    args: [...CHROMIUM_ARGS, ...(options.args ?? []), `--shoal-test-tag=${tag}`],
  };
  const context = options.incognito
    ? await (await chromium.launch(launch)).newContext({ acceptDownloads: true })
    : await chromium.launchPersistentContext(profile, { ...launch, acceptDownloads: true });
  const browser = context.browser();
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (process.env.SHOAL_TEST_VERBOSE || message.type() === 'error') console.log(`[browser ${message.type()}] ${message.text()}`);
  });
  page.on('pageerror', (error) => console.log(`[page error] ${error.message}`));
  return {
    browser,
    context,
    page,
    tag,
    close: async () => {
      await context.close();
      if (options.incognito) await browser?.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Total resident memory (bytes) of the renderer processes of a browser launched by launchBrowser. */
export async function rendererRss(browser: LaunchedBrowser): Promise<number> {
  const { readdir, readFile } = await import('node:fs/promises');
  const procs: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      procs.push({ pid: Number(entry), ppid, cmdline });
    } catch {
      // the process ended while we looked
    }
  }
  const root = procs.find((p) => p.cmdline.includes(`--shoal-test-tag=${browser.tag}`) && !p.cmdline.includes('--type='));
  if (!root) throw new Error(`browser ${browser.tag} not found in /proc`);
  const family = new Set([root.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (family.has(p.ppid) && !family.has(p.pid)) (family.add(p.pid), (grew = true));
  }
  let total = 0;
  for (const p of procs) {
    if (!family.has(p.pid) || !p.cmdline.includes('--type=renderer')) continue;
    try {
      const status = await readFile(`/proc/${p.pid}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

/** Samples rendererRss every `everyMs` until stopped; returns the peak. */
export function sampleRendererRss(browser: LaunchedBrowser, everyMs = 250): { stop: () => Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await rendererRss(browser).catch(() => 0));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}

/**
 * In the page: SHA-256 (hex) of a stored share, read back through the service worker's /files/
 * route. Self-contained, so that Playwright (Chromium) and Puppeteer (Firefox, firefox.ts) both can
 * evaluate it.
 */
export async function readBackSha256(url: string): Promise<string> {
  await navigator.serviceWorker.ready;
  // Active is not yet controlling: until the worker claims this page, a fetch goes to the server.
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  // Past 1 GiB the body cannot be one ArrayBuffer: it becomes a (disk-backed) Blob, streamed
  // through the app's hashing worker (checked against the FIPS vectors in test/browser/workers.test.ts).
  if (Number(response.headers.get('content-length')) > 2 ** 30) {
    const hasher = (globalThis as unknown as { shoal: { components: { hasher: { hashFile(blob: Blob, jobId: number): Promise<{ fileHash: string }> } } } }).shoal.components.hasher;
    return (await hasher.hashFile(await response.blob(), 777_001)).fileHash;
  }
  const digest = await crypto.subtle.digest('SHA-256', await response.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 (hex) of a stored share, read back through the service worker's /files/ route. */
export function sha256ThroughServiceWorker(page: Page, fileUrl: string): Promise<string> {
  return page.evaluate(readBackSha256, fileUrl);
}

/** Opens the app (on Files unless `url` names a view) and waits until it is in a room. */
export async function openApp(page: Page, url: string): Promise<void> {
  // From another view of the app, a goto that changes only the hash would not reload it.
  if (page.url().startsWith('http')) await page.goto('about:blank');
  await page.goto(url.includes('#') ? url : `${url}#/files`);
  await page.getByLabel('Signaling open').waitFor({ timeout: 15_000 });
}

export type ViewName = 'Dashboard' | 'Network' | 'Transfers' | 'Files' | 'Settings';

/** Goes to a view the way a user does: its link in the navigation. */
export async function showView(page: Page, view: ViewName): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: view }).click();
  await page.getByRole('link', { name: view, exact: true }).and(page.locator('[aria-current="page"]')).waitFor({ timeout: 5_000 });
}

/** Answers the app's "Join room X?" (a link named another room than the user's): Join, or Stay. */
export async function answerRoomQuestion(page: Page, room: string, answer: 'Join room' | 'Stay here' = 'Join room'): Promise<void> {
  const question = page.getByRole('alertdialog', { name: `Join room ${room}?` });
  await question.getByRole('button', { name: answer }).click({ timeout: 15_000 });
  await question.waitFor({ state: 'detached' });
}

/** Moves the page into a new private room through Settings, as a user does; returns its code. */
export async function newPrivateRoom(page: Page): Promise<string> {
  await showView(page, 'Settings');
  await page.getByRole('button', { name: 'New private room' }).click();
  await page.waitForURL(/\?room=/);
  await page.getByLabel('Signaling open').waitFor({ timeout: 15_000 });
  return new URL(page.url()).searchParams.get('room')!;
}

/** Writes `size` random bytes to a temporary file; returns its path and SHA-256. */
export async function randomFile(name: string, size: number): Promise<{ path: string; sha256: string; cleanup: () => Promise<void> }> {
  const { createWriteStream } = await import('node:fs');
  const { createHash, randomBytes } = await import('node:crypto');
  const dir = await mkdtemp(join(tmpdir(), 'shoal-file-'));
  const path = join(dir, name);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const block = 4 * 1024 * 1024;
  for (let written = 0; written < size; written += block) {
    const bytes = randomBytes(Math.min(block, size - written));
    hash.update(bytes);
    if (!out.write(bytes)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { path, sha256: hash.digest('hex'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Random files a test makes (randomFile), and anything else it must remove, removed together by `cleanup`. */
export function testFiles(): { file: (name: string, size: number) => ReturnType<typeof randomFile>; onCleanup: (step: () => Promise<unknown>) => void; cleanup: () => Promise<void> } {
  const steps: (() => Promise<unknown>)[] = [];
  return {
    file: async (name, size) => {
      const made = await randomFile(name, size);
      steps.push(made.cleanup);
      return made;
    },
    onCleanup: (step) => void steps.push(step),
    cleanup: async () => {
      for (const step of steps.splice(0)) await step();
    },
  };
}

/** Shares a file from disk through the UI's file input and waits until it is seeded. */
export async function shareFromDisk(page: Page, path: string, name: string, timeoutMs = 60_000): Promise<string> {
  if (!page.url().endsWith('#/files')) await showView(page, 'Files');
  await page.getByLabel('Share files').setInputFiles(path);
  const item = page.locator(`li[aria-label="${name}"][data-status="seeding"]`);
  await item.waitFor({ timeout: timeoutMs });
  return (await item.getAttribute('data-share-id'))!;
}

/**
 * Drops the file at `path` onto the Files view's drop zone as the OS does: CDP's Input.dispatchDragEvent
 * with the file's path, so the page gets a real FileSystemFileHandle and shares it from disk.
 */
export async function dropFile(page: Page, path: string): Promise<void> {
  if (!page.url().endsWith('#/files')) await showView(page, 'Files');
  const box = await page.locator('shoal-share-drop .zone').boundingBox();
  if (!box) throw new Error('the drop zone is not on screen');
  const cdp = await page.context().newCDPSession(page);
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) {
    await cdp.send('Input.dispatchDragEvent', { type, ...at, data: { items: [], files: [path], dragOperationsMask: 1 } });
  }
  await cdp.detach();
}

/** Drops the file at `path` (shared by handle, no copy) and waits until it seeds; returns its share id. */
export async function shareByDrop(page: Page, path: string, name: string, timeoutMs = 60_000): Promise<string> {
  await dropFile(page, path);
  const item = page.locator(`li[aria-label="${name}"][data-status="seeding"]`);
  await item.waitFor({ timeout: timeoutMs });
  return (await item.getAttribute('data-share-id'))!;
}

export interface EngineSnapshot {
  shares: { id: string; name: string; status: string; bytesDone: number; size: number; sources: number; fileHash?: string; error?: string; fromDisk?: boolean }[];
  peers: { peerId: string; name: string; chunksReceived: number; chunksSent: number; bytesSent: number; badChunks: number; failures: number; lastFailure?: string }[];
  roomFiles: { id: string; name: string; size: number; holders: string[] }[];
  selfId: string;
  dataPlane: 'worker' | 'page' | undefined;
  storageBackend: 'opfs' | 'indexeddb' | undefined;
}

/** The engine's state as the UI sees it (read-only). */
export function engineState(page: Page): Promise<EngineSnapshot> {
  return page.evaluate(() => JSON.parse(JSON.stringify((globalThis as unknown as { shoal: { store: { state: unknown } } }).shoal.store.state)));
}

/**
 * Polls the engine state until `predicate` holds: every 50 ms at first, backing off to every 250 ms,
 * so a long wait (a 1 GiB download) does not spend the page's CPU on copies of its state.
 */
export async function waitForState(page: Page, predicate: (state: EngineSnapshot) => boolean, timeoutMs: number, what: string): Promise<EngineSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (let interval = 50; ; interval = Math.min(250, interval * 1.25)) {
    const state = await engineState(page);
    if (predicate(state)) return state;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(state.shares)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
