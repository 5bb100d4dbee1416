/**
 * Whether the browser keeps Shoal's stored files, and asking it to. Browsers may clear a site's
 * storage: Chromium and Firefox when the disk runs low, unless the site holds persistent storage;
 * Safari (and every browser on iOS, all WebKit) deletes it after 7 days of use without a visit to
 * the site, unless the app was added to the Home Screen or the Dock. The user is told which holds
 * and can ask for persistence (`navigator.storage.persist()`); it is asked once by itself, when the
 * first file is stored, never at a first visit (Firefox asks the user in a prompt).
 */

/** `kept`: persistent storage granted; `safari-7-days`: WebKit's cap on an app not installed;
 * `may-clear`: cleared under storage pressure; `unknown`: not checked yet, or no storage API. */
export type KeepRisk = 'kept' | 'safari-7-days' | 'may-clear' | 'unknown';

export interface KeepFilesEnvironment {
  userAgent: string;
  /** Running as an installed app (display-mode standalone, or iOS's navigator.standalone). */
  installed: boolean;
  storage: Pick<StorageManager, 'persist' | 'persisted'> | undefined;
  /** Where "Not now" is remembered. */
  local: Pick<Storage, 'getItem' | 'setItem'> | undefined;
}

const DISMISSED_KEY = 'shoal.keepFilesDismissed';

/** Safari, or any browser on iOS/iPadOS (they all run WebKit and its storage cap). */
export function isWebKitWithStorageCap(userAgent: string): boolean {
  if (/iphone|ipad|ipod/i.test(userAgent)) return true;
  // iPadOS asks for desktop sites as a Mac; desktop Safari names "Version/x Safari" and no other engine
  return /applewebkit/i.test(userAgent) && /version\/[\d.]+.*safari/i.test(userAgent) && !/chrome|chromium|crios|edg|opr|firefox|fxios|android/i.test(userAgent);
}

/** Where on this device an installed app is added: the Home Screen on iOS, the Dock on a Mac. */
export function installPlace(userAgent: string): 'Home Screen' | 'Dock' {
  return /iphone|ipad|ipod/i.test(userAgent) ? 'Home Screen' : 'Dock';
}

export class KeepFiles extends EventTarget {
  /** Persistent storage granted (undefined: not known yet). */
  persisted: boolean | undefined;
  /** The browser said no to the last request. */
  refused = false;
  #askedOnce = false;

  constructor(private readonly env: KeepFilesEnvironment = browserEnvironment()) {
    super();
  }

  get webkitCap(): boolean {
    return isWebKitWithStorageCap(this.env.userAgent) && !this.env.installed;
  }

  get canAsk(): boolean {
    return typeof this.env.storage?.persist === 'function';
  }

  get risk(): KeepRisk {
    if (this.persisted === true) return 'kept';
    if (this.webkitCap) return 'safari-7-days';
    return this.persisted === false ? 'may-clear' : 'unknown';
  }

  get dismissed(): boolean {
    try {
      return this.env.local?.getItem(DISMISSED_KEY) === '1';
    } catch {
      return false;
    }
  }

  dismiss(): void {
    try {
      this.env.local?.setItem(DISMISSED_KEY, '1');
    } catch {
      // storage denied: dismissed for this page only
    }
    this.#changed();
  }

  async check(): Promise<KeepRisk> {
    this.persisted = (await this.env.storage?.persisted?.().catch(() => false)) === true;
    this.#changed();
    return this.risk;
  }

  /** Asks the browser to keep the files; resolves to whether it will. */
  async request(byUser = true): Promise<boolean> {
    if (!this.canAsk) return false;
    const granted = (await this.env.storage!.persist().catch(() => false)) === true;
    this.persisted = granted;
    this.refused = byUser && !granted;
    this.#changed();
    return granted;
  }

  /** Once per page, when the user has files stored: ask without their click (a no where it is not granted). */
  requestOnce(): void {
    if (this.#askedOnce || this.persisted === true) return;
    this.#askedOnce = true;
    void this.request(false);
  }

  #changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}

function browserEnvironment(): KeepFilesEnvironment {
  const nav = globalThis.navigator as (Navigator & { standalone?: boolean }) | undefined;
  let local: Storage | undefined;
  try {
    local = globalThis.localStorage;
  } catch {
    local = undefined;
  }
  return {
    userAgent: nav?.userAgent ?? '',
    installed: globalThis.matchMedia?.('(display-mode: standalone)').matches === true || nav?.standalone === true,
    storage: nav?.storage,
    local,
  };
}
