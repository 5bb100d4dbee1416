/**
 * Installing the app: Chromium's `beforeinstallprompt` is kept so an Install button can offer it;
 * once installed (`appinstalled`, or running in its own window) the button goes. Safari on iOS has
 * no prompt: there the app shows how to add it to the Home Screen instead.
 */
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

export type InstallState = 'unavailable' | 'available' | 'ios-hint' | 'installed';

export class InstallPrompt extends EventTarget {
  state: InstallState;
  #event: BeforeInstallPromptEvent | undefined;

  constructor(win: Window = window) {
    super();
    const standalone = win.matchMedia('(display-mode: standalone)').matches || (win.navigator as Navigator & { standalone?: boolean }).standalone === true;
    const iosSafari = /iphone|ipad|ipod/i.test(win.navigator.userAgent) && !/crios|fxios|edgios/i.test(win.navigator.userAgent);
    this.state = standalone ? 'installed' : iosSafari ? 'ios-hint' : 'unavailable';
    win.addEventListener('beforeinstallprompt', (event) => {
      event.preventDefault(); // no mini-infobar: the app's own button offers it
      this.#event = event as BeforeInstallPromptEvent;
      this.#set('available');
    });
    win.addEventListener('appinstalled', () => {
      this.#event = undefined;
      this.#set('installed');
    });
  }

  /** Shows the browser's install dialog; resolves to whether the user accepted. */
  async prompt(): Promise<boolean> {
    const event = this.#event;
    if (!event) return false;
    this.#event = undefined;
    await event.prompt();
    const { outcome } = await event.userChoice;
    if (outcome === 'dismissed') this.#set('unavailable');
    return outcome === 'accepted';
  }

  #set(state: InstallState): void {
    this.state = state;
    this.dispatchEvent(new Event('change'));
  }
}
