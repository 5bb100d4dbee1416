/**
 * Firefox for end-to-end tests: Debian's firefox-esr, driven over WebDriver BiDi by puppeteer-core
 * (Playwright's Firefox is a patched build that cannot be downloaded here). Each browser has its own
 * profile; `privateWindow` starts it in permanent private browsing, as a private window is (storage
 * in memory, OPFS refused). Loopback WebRTC needs two preferences: ICE on loopback, and host
 * addresses not hidden behind mDNS names.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { readBackSha256 } from './harness.js';

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

export const hasFirefox = (): boolean => existsSync(FIREFOX);

export interface LaunchedFirefox {
  browser: Browser;
  page: Page;
  /** Messages the page logged as errors, and uncaught exceptions. */
  errors: string[];
  close: () => Promise<void>;
}

export async function launchFirefox(options: { privateWindow?: boolean } = {}): Promise<LaunchedFirefox> {
  const profile = await mkdtemp(join(tmpdir(), 'shoal-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: {
      'media.peerconnection.ice.loopback': true,
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'browser.privatebrowsing.autostart': options.privateWindow === true,
      // Quiet: no first-run pages, updates, telemetry or remote settings traffic.
      'browser.shell.checkDefaultBrowser': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false,
      'app.update.enabled': false,
    },
  });
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
    if (process.env.SHOAL_TEST_VERBOSE || message.type() === 'error') console.log(`[firefox ${message.type()}] ${message.text()}`);
  });
  page.on('pageerror', (error) => {
    errors.push(String(error));
    console.log(`[firefox page error] ${String(error)}`);
  });
  return {
    browser,
    page,
    errors,
    close: async () => {
      await browser.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** An element anywhere in the app, shadow roots included (the UI is Lit components). */
export async function deepElement(page: Page, selector: string, timeoutMs = 15_000): Promise<ElementHandle<Element>> {
  // Polled: waitForSelector watches the document's mutations, and changes inside shadow roots are not among them.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const handle = await page.$(`>>> ${selector}`);
    if (handle) return handle;
    if (Date.now() > deadline) throw new Error(`Firefox: no ${selector} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens the app (on Files unless the URL names a view) and waits until it is in a room. */
export async function openAppInFirefox(page: Page, url: string): Promise<void> {
  // From another view of the app, a goto that changes only the hash would not load the page again.
  if (page.url().startsWith('http')) await page.goto('about:blank');
  await page.goto(url.includes('#') ? url : `${url}#/files`);
  await deepElement(page, '[aria-label="Signaling open"]');
}

/** The engine's state as the UI sees it (read-only), as in harness.ts. */
export function firefoxEngineState<T = { shares: { id: string; name: string; status: string; fileHash?: string; error?: string }[]; storageBackend?: string; dataPlane?: string; selfId: string }>(page: Page): Promise<T> {
  return page.evaluate(() => JSON.parse(JSON.stringify((globalThis as unknown as { shoal: { store: { state: unknown } } }).shoal.store.state)));
}

/** Polls the engine state until `predicate` holds. */
export async function waitForFirefoxState<T>(page: Page, predicate: (state: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await firefoxEngineState<T>(page);
    if (predicate(state)) return state;
    if (Date.now() > deadline) throw new Error(`Firefox: timed out waiting for ${what}: ${JSON.stringify(state).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Shares a file from disk through the Files view's file input; returns its share id once it seeds. */
export async function shareFromDiskInFirefox(page: Page, path: string, name: string, timeoutMs = 60_000): Promise<string> {
  const input = (await deepElement(page, 'input[aria-label="Share files"]')) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(path);
  const state = await waitForFirefoxState<{ shares: { id: string; name: string; status: string; error?: string }[] }>(page, (s) => s.shares.some((x) => x.name === name && (x.status === 'seeding' || x.status === 'error')), timeoutMs, `${name} seeding`);
  const share = state.shares.find((x) => x.name === name)!;
  if (share.status === 'error') throw new Error(`Firefox could not share ${name}: ${share.error}`);
  return share.id;
}

/** SHA-256 (hex) of a stored share read back through the service worker's /files/ route. */
export function sha256InFirefox(page: Page, fileUrl: string): Promise<string> {
  return page.evaluate(readBackSha256, fileUrl);
}
