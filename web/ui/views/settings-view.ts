/**
 * Settings: display name, the room (join or create by code or link), relay only, speed limits,
 * notifications (with the browser's permission), the view the app opens on, storage used with
 * "remove everything", and about (version, server health). Each change applies at once through
 * the engine's setters and is kept by the settings store; nothing reloads the page.
 */
import { ContextConsumer } from '@lit/context';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Engine } from '../../engine/engine.js';
import { SettingsError, VIEWS, type SettingsStore, type View } from '../../settings.js';
import type { KeepFiles } from '../../pwa/keep-files.js';
import { formatBytes } from '../format.js';
import type { LimitsChangeEvent } from '../rate-limits.js';
import { VIEW_LABELS } from '../routes.js';
import { settingsContext } from '../settings-context.js';
import { engineContext, SliceController } from '../slice-controller.js';
import { fields, panel } from '../theme.js';
import '../rate-limits.js';
import '../room-panel.js';

const VERSION = typeof __SHOAL_VERSION__ === 'string' ? __SHOAL_VERSION__ : 'development';
const BUILD = typeof __SHOAL_BUILD__ === 'string' ? __SHOAL_BUILD__ : 'not built';

@customElement('shoal-settings-view')
export class SettingsView extends LitElement {
  static override styles = [
    panel,
    fields,
    css`
      :host {
        display: grid;
        gap: 1rem;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr));
        align-items: start;
      }
      form,
      .field {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .stack {
        display: grid;
        gap: 0.8rem;
      }
      label.check {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }
      /* A field takes a line of its own when there is no room beside its label and button: at 360 px
         the name field showed three letters. */
      input[type='text'],
      select {
        min-width: 0;
        flex: 1 1 12rem;
      }
      .hint {
        color: var(--muted);
        font-size: 0.85rem;
        margin: 0;
      }
      .error {
        color: var(--bad);
        font-size: 0.85rem;
        margin: 0;
      }
      dl {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0.3rem 1rem;
        margin: 0;
        font-size: 0.9rem;
      }
      dt {
        color: var(--muted);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      shoal-room-panel,
      shoal-rate-limits {
        display: block;
      }
    `,
  ];

  /** The room from the URL (undefined: the room of this network). */
  @property({ attribute: false }) room: string | undefined;
  @state() private nameError: string | undefined;
  @state() private nameSaved = false;
  /** Whether the browser keeps the stored files, and asking it to (from the shell). */
  @property({ attribute: false }) keep: KeepFiles | undefined;
  @state() private storage: { usage: number; quota: number } | undefined;
  @state() private confirmClear = false;
  @state() private server: Record<string, unknown> | 'unreachable' | undefined;
  @state() private permission: NotificationPermission | 'unsupported' = typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
  readonly #engine = new ContextConsumer(this, { context: engineContext });
  readonly #settings = new ContextConsumer(this, { context: settingsContext, subscribe: true });
  readonly slice = new SliceController(this, (s) => ({ forceRelay: s.forceRelay, selfName: s.selfName, shares: s.shares.length }));

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#refresh();
  }

  async #refresh(): Promise<void> {
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    if (estimate) this.storage = { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 };
    await this.keep?.check();
    this.requestUpdate();
    try {
      const response = await fetch('/api/health', { cache: 'no-store' });
      this.server = (await response.json()) as Record<string, unknown>;
    } catch {
      this.server = 'unreachable';
    }
  }

  get #engineValue(): Engine {
    return this.#engine.value!;
  }

  get #store(): SettingsStore {
    return this.#settings.value!;
  }

  override render() {
    if (!this.#engine.value || !this.#settings.value) return nothing;
    const settings = this.#store.current;
    const state = this.#engineValue.store.state;
    return html`
      <section class="panel" aria-labelledby="you-title">
        <h2 id="you-title">You</h2>
        <div class="stack">
          <form @submit=${this.#saveName}>
            <label for="name">Display name</label>
            <input id="name" name="name" type="text" maxlength="64" autocomplete="nickname" .value=${settings.name} @input=${() => ((this.nameError = undefined), (this.nameSaved = false))} />
            <button type="submit">${this.nameSaved ? 'Saved' : 'Save name'}</button>
          </form>
          ${this.nameError ? html`<p class="error" role="alert">${this.nameError}</p>` : nothing}
          <p class="hint">Peers in your room see this name.</p>
          <label class="check" title="Route every connection through the TURN relay (your address stays hidden from peers)">
            <input type="checkbox" .checked=${state.forceRelay} @change=${this.#toggleRelay} /> Relay only
          </label>
          <p class="hint">Relay only hides your address from peers; transfers go through the server's relay and may be slower.</p>
        </div>
      </section>
      <shoal-room-panel .named=${this.room}></shoal-room-panel>
      <shoal-rate-limits @limits-change=${this.#onLimits}></shoal-rate-limits>
      <section class="panel" aria-labelledby="app-title">
        <h2 id="app-title">App</h2>
        <div class="stack">
          <div class="field">
            <label for="default-view">Open on</label>
            <select id="default-view" @change=${this.#setDefaultView}>
              ${VIEWS.map((view) => html`<option value=${view} ?selected=${settings.defaultView === view}>${VIEW_LABELS[view]}</option>`)}
            </select>
          </div>
          <label class="check">
            <input type="checkbox" .checked=${settings.notifications} ?disabled=${this.permission === 'unsupported' || this.permission === 'denied'} @change=${this.#toggleNotifications} />
            Notify me when a download completes
          </label>
          ${this.permission === 'denied' ? html`<p class="hint">Notifications are blocked for this site in your browser's settings.</p>` : nothing}
          ${this.permission === 'unsupported' ? html`<p class="hint">This browser has no notifications; completions show in the app.</p>` : nothing}
        </div>
      </section>
      <section class="panel" aria-labelledby="storage-title">
        <h2 id="storage-title">Storage</h2>
        <div class="stack">
          <p>
            ${this.storage
              ? html`${formatBytes(this.storage.usage)} used of ${formatBytes(this.storage.quota)} this browser allows.
                  ${keepText(this.keep)}`
              : 'Measuring…'}
            ${state.storageBackend ? html`<span class="hint">(in ${state.storageBackend === 'opfs' ? 'the origin private file system' : 'IndexedDB'})</span>` : nothing}
          </p>
          ${this.keep && this.keep.risk !== 'kept' && this.keep.canAsk
            ? html`<div class="field">
                <button @click=${() => void this.keep!.request().then(() => this.requestUpdate())}>Keep my files</button>
                ${this.keep.refused ? html`<span class="hint" role="status">The browser did not agree to keep them${this.keep.webkitCap ? ': add Shoal to your Home Screen or Dock' : ''}.</span>` : nothing}
              </div>`
            : nothing}
          ${this.confirmClear
            ? html`<div class="field" role="group" aria-label="Confirm removing everything">
                <span>Remove all ${state.shares.length} shares and downloads, and their stored bytes?</span>
                <button @click=${this.#clearAll}>Remove all</button>
                <button class="quiet" @click=${() => (this.confirmClear = false)}>Keep them</button>
              </div>`
            : html`<div class="field"><button class="quiet" ?disabled=${state.shares.length === 0} @click=${() => (this.confirmClear = true)}>Remove everything…</button></div>`}
        </div>
      </section>
      <section class="panel" aria-labelledby="about-title">
        <h2 id="about-title">About</h2>
        <dl>
          <dt>Version</dt>
          <dd>${VERSION}</dd>
          <dt>Build</dt>
          <dd>${BUILD}</dd>
          <dt>Server</dt>
          <dd>${this.server === undefined ? 'checking…' : this.server === 'unreachable' ? 'unreachable' : String(this.server.status ?? 'unknown')}</dd>
          <dt>Data plane</dt>
          <dd>${state.dataPlane === 'worker' ? 'storage worker' : state.dataPlane === 'page' ? 'this page' : '—'}</dd>
        </dl>
        <p class="hint">Shoal sends files directly between browsers; every 64 KiB chunk is checked against its SHA-256.</p>
      </section>
    `;
  }

  #saveName(event: Event): void {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem('name') as HTMLInputElement;
    try {
      const { name } = this.#store.update({ name: input.value });
      this.#engineValue.setName(name);
      this.nameSaved = true;
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      this.nameError = `A name is 1 to 64 characters.`;
    }
  }

  #toggleRelay(event: Event): void {
    const on = (event.target as HTMLInputElement).checked;
    this.#store.update({ relayOnly: on });
    this.#engineValue.setRelayOnly(on);
  }

  #onLimits(event: LimitsChangeEvent): void {
    this.#engineValue.setRateLimits(event.limits);
    this.#store.update({ limits: event.limits });
  }

  #setDefaultView(event: Event): void {
    this.#store.update({ defaultView: (event.target as HTMLSelectElement).value as View });
  }

  async #toggleNotifications(event: Event): Promise<void> {
    const box = event.target as HTMLInputElement;
    let on = box.checked;
    if (on && this.permission !== 'granted') {
      this.permission = await Notification.requestPermission();
      on = this.permission === 'granted';
      box.checked = on;
    }
    this.#store.update({ notifications: on });
    this.requestUpdate();
  }

  async #clearAll(): Promise<void> {
    this.confirmClear = false;
    const engine = this.#engineValue;
    await Promise.all(engine.store.state.shares.map((share) => engine.remove(share.id).catch(() => undefined)));
    await this.#refresh();
  }
}

function keepText(keep: KeepFiles | undefined): string {
  switch (keep?.risk) {
    case 'kept':
      return 'Kept until you remove it (persistent storage granted).';
    case 'safari-7-days':
      return 'Safari deletes it after 7 days without a visit, unless Shoal is on your Home Screen or Dock or Safari agrees to keep it.';
    default:
      return 'Not persistent: the browser may clear it when the disk runs low.';
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-settings-view': SettingsView;
  }
}
