/**
 * New versions of the app, the way users expect: the service worker of a new build installs in the
 * background and waits; the app says so ("New version — reload") and reloads only when the user
 * accepts. The page checks for a new build when it becomes visible and every hour.
 */
import type { Workbox } from 'workbox-window';

const CHECK_EVERY_MS = 60 * 60_000;

export class AppUpdates extends EventTarget {
  /** A new build is installed and waiting for the user. */
  waiting = false;
  #workbox: Workbox | undefined;
  /** The user accepted the waiting build. */
  #accepted = false;

  /** Watches `workbox` (registered by the caller) for a waiting service worker. */
  watch(workbox: Workbox): void {
    this.#workbox = workbox;
    workbox.addEventListener('waiting', () => {
      this.waiting = true;
      this.dispatchEvent(new Event('change'));
    });
    // Once the accepted worker controls the page, this page's code is the old build's: load the new
    // one. Only then: the first worker also takes control (clients.claim), and that is no update.
    workbox.addEventListener('controlling', () => {
      if (this.#accepted) location.reload();
    });
    const check = () => void workbox.update().catch(() => undefined);
    setInterval(check, CHECK_EVERY_MS);
    document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && check());
  }

  /** Activates the waiting build; the page reloads when it takes control. */
  apply(): void {
    this.#accepted = true;
    this.#workbox?.messageSkipWaiting();
  }
}
