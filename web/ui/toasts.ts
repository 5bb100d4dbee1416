/**
 * Tells the user what happened while they looked elsewhere: toasts for completed downloads, shares
 * ready and failures (a polite live region; failures stay longer), a desktop notification on a
 * completed download when the user allowed them and the page is hidden, and the app badge
 * (`navigator.setAppBadge`, where supported) counting active transfers.
 */
import { ContextConsumer } from '@lit/context';
import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { EngineWatch } from './engine-watch.js';
import { watchSlice } from './slice-controller.js';
import { settingsContext } from './settings-context.js';
import { activeTransfers, ShareEventTracker, type ShareEvent } from './toast-model.js';

const SHOWN_MS = 6_000;
const FAILURE_SHOWN_MS = 12_000;
const MAX_TOASTS = 4;

interface Toast extends ShareEvent {
  key: number;
}

const TEXT: Record<ShareEvent['kind'], (name: string) => string> = {
  downloaded: (name) => `Downloaded ${name}, verified`,
  shared: (name) => `Sharing ${name}`,
  failed: (name) => `${name} failed`,
};

@customElement('shoal-toasts')
export class Toasts extends LitElement {
  static override styles = css`
    :host {
      position: fixed;
      z-index: 20;
      right: 1rem;
      bottom: calc(5rem + env(safe-area-inset-bottom));
      display: grid;
      gap: 0.5rem;
      max-width: min(24rem, calc(100vw - 2rem));
      pointer-events: none;
    }
    @media (min-width: 768px) {
      :host {
        bottom: 1rem;
      }
    }
    .toast {
      pointer-events: auto;
      display: flex;
      gap: 0.75rem;
      align-items: start;
      padding: 0.6rem 0.8rem;
      border-radius: 12px;
      background: rgb(15 22 42 / 0.96);
      border: 1px solid rgb(34 211 238 / 0.5);
      box-shadow: 0 8px 24px rgb(0 0 0 / 0.45);
      overflow-wrap: anywhere;
    }
    .toast.failed {
      border-color: rgb(251 113 133 / 0.7);
    }
    .detail {
      display: block;
      color: var(--muted);
      font-size: 0.85rem;
    }
    button {
      font: inherit;
      color: var(--muted);
      background: none;
      border: 0;
      cursor: pointer;
      padding: 0 0.2rem;
      margin-left: auto;
    }
    button:focus-visible {
      outline: 2px solid var(--neon);
    }
  `;

  @state() private toasts: Toast[] = [];
  #key = 0;
  readonly #tracker = new ShareEventTracker();
  readonly #settings = new ContextConsumer(this, { context: settingsContext });
  #lastBadge = -1;
  readonly watch = new EngineWatch(this, (engine) => [
    watchSlice(engine.store, (s) => s.shares, (shares) => {
      for (const event of this.#tracker.next(shares)) this.#show(event);
      this.#badge(activeTransfers(shares));
    }),
  ]);

  override render() {
    return html`<div role="status" aria-live="polite">
      ${repeat(
        this.toasts,
        (toast) => toast.key,
        (toast) => html`<div class="toast ${toast.kind}">
          <span>${TEXT[toast.kind](toast.name)}${toast.detail ? html`<span class="detail">${toast.detail}</span>` : ''}</span>
          <button aria-label="Dismiss" @click=${() => this.#dismiss(toast.key)}>✕</button>
        </div>`,
      )}
    </div>`;
  }

  #show(event: ShareEvent): void {
    const toast = { ...event, key: this.#key++ };
    this.toasts = [...this.toasts, toast].slice(-MAX_TOASTS);
    setTimeout(() => this.#dismiss(toast.key), event.kind === 'failed' ? FAILURE_SHOWN_MS : SHOWN_MS);
    if (event.kind === 'downloaded') this.#notify(event);
  }

  #dismiss(key: number): void {
    this.toasts = this.toasts.filter((toast) => toast.key !== key);
  }

  /** A desktop notification, only when allowed, asked for in Settings, and the page is not in view. */
  #notify(event: ShareEvent): void {
    if (!this.#settings.value?.current.notifications || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    if (document.visibilityState === 'visible') return;
    try {
      new Notification('Shoal', { body: TEXT[event.kind](event.name), tag: event.shareId, icon: '/icons/icon-192.png' });
    } catch {
      // some browsers allow notifications only from a service worker; the toast is there anyway
    }
  }

  #badge(count: number): void {
    if (count === this.#lastBadge || !('setAppBadge' in navigator)) return;
    this.#lastBadge = count;
    void (count > 0 ? navigator.setAppBadge(count) : navigator.clearAppBadge()).catch(() => undefined);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-toasts': Toasts;
  }
}
