/**
 * The app shell: the header (name, signaling state), the navigation (a bottom bar on phones, a side
 * rail from tablets up) and the view the hash route names. Views are mounted only while shown; the
 * engine, its stats history and the transfers keep running whatever is on screen. A share link
 * (`#/s/<id>`) opens Files and downloads that share as soon as the room offers it.
 */
import { css, html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Engine } from '../engine/engine.js';
import type { EngineState } from '../engine/state.js';
import type { SettingsStore } from '../settings.js';
import type { View } from '../settings.js';
import { ContextProvider } from '@lit/context';
import { engineContext, SliceController } from './slice-controller.js';
import { parseRoute, parseShoalLink, viewHref, VIEW_LABELS, type Route } from './routes.js';
import { VIEWS } from '../settings.js';
import { buttons } from './theme.js';
import { settingsContext } from './settings-context.js';
import './dashboard.js';
import './toasts.js';
import './views/files-view.js';
import './views/transfers-view.js';
import './views/network-view.js';
import './views/settings-view.js';
import type { ShareActionEvent } from './share-actions.js';
import { RoomChangeEvent } from './room-panel.js';
import type { AppUpdates } from '../pwa/app-updates.js';
import type { InstallPrompt } from '../pwa/install-prompt.js';
import type { KeepFiles } from '../pwa/keep-files.js';
import { activeTransfers } from './toast-model.js';
import { ShareLinkWait } from './share-link-wait.js';
import { rememberRoom } from '../room-memory.js';
import type { ShareInbox } from '../pwa/share-inbox.js';
import type { TrayAnswerEvent } from './share-tray.js';
import './share-tray.js';
import type { RoomAnswerEvent } from './room-question.js';
import './room-question.js';
import './keep-files-notice.js';

const ICONS: Record<View, string> = {
  dashboard: 'M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z',
  network: 'M12 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM5 16a3 3 0 1 0 0 6 3 3 0 0 0 0-6zm14 0a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM11 8h2v3.5l5.2 3-1 1.7L12 13.2l-5.2 3-1-1.7 5.2-3z',
  transfers: 'M7 3 3 7h3v7h2V7h3zm10 14V10h-2v7h-3l4 4 4-4z',
  files: 'M4 4h6l2 2h8v14H4z',
  settings: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zm9 5v-2l-2.4-.5-.6-1.5 1.4-2-1.4-1.4-2 1.4-1.5-.6L14 3h-2l-.5 2.4-1.5.6-2-1.4-1.4 1.4 1.4 2-.6 1.5L3 11v2l2.4.5.6 1.5-1.4 2 1.4 1.4 2-1.4 1.5.6.5 2.4h2l.5-2.4 1.5-.6 2 1.4 1.4-1.4-1.4-2 .6-1.5z',
};

@customElement('shoal-app')
export class ShoalApp extends LitElement {
  static override styles = [
    buttons,
    css`
      :host {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        align-content: start;
        min-height: 100vh;
        /* room for the bottom bar on phones */
        padding-bottom: calc(4.2rem + env(safe-area-inset-bottom));
        box-sizing: border-box;
      }
      header {
        display: flex;
        align-items: center;
        justify-content: space-between;
        flex-wrap: wrap;
        gap: 0.5rem 0.75rem;
        padding: 0.75rem 1rem;
      }
      h1 {
        margin: 0;
        font-size: 1.5rem;
        letter-spacing: 0.04em;
        background: linear-gradient(90deg, var(--neon), var(--neon-2));
        -webkit-background-clip: text;
        background-clip: text;
        color: transparent;
      }
      .status {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        font-size: 0.85rem;
        color: var(--muted);
        min-width: 0;
      }
      .status .name {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
        max-width: 12rem;
      }
      .badge {
        padding: 0.15rem 0.6rem;
        border-radius: 999px;
        border: 1px solid currentColor;
      }
      .badge.open {
        color: var(--ok);
      }
      .badge.connecting {
        color: var(--neon);
      }
      .badge.closed {
        color: var(--bad);
      }
      nav {
        position: fixed;
        z-index: 10;
        left: 0;
        right: 0;
        bottom: 0;
        padding-bottom: env(safe-area-inset-bottom);
        background: rgb(7 11 23 / 0.94);
        border-top: 1px solid var(--glass-border);
      }
      nav ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        grid-template-columns: repeat(5, 1fr);
      }
      nav a {
        display: grid;
        justify-items: center;
        gap: 0.15rem;
        padding: 0.45rem 0.2rem;
        min-height: 3.2rem;
        box-sizing: border-box;
        color: var(--muted);
        text-decoration: none;
        font-size: 0.72rem;
        border-radius: 12px;
      }
      nav a[aria-current='page'] {
        color: var(--neon);
        text-shadow: 0 0 12px rgb(34 211 238 / 0.6);
      }
      nav a:focus-visible {
        outline: 2px solid var(--neon);
        outline-offset: -2px;
      }
      nav svg {
        width: 1.4rem;
        height: 1.4rem;
        fill: currentColor;
      }
      nav a[aria-current='page'] svg {
        filter: drop-shadow(0 0 6px rgb(34 211 238 / 0.7));
      }
      main {
        padding: 0 1rem 1rem;
        min-width: 0;
      }
      .notice {
        margin: 0 1rem 1rem;
        padding: 0.6rem 0.9rem;
        border-radius: 12px;
        border: 1px solid rgb(251 113 133 / 0.5);
        background: rgb(251 113 133 / 0.1);
        overflow-wrap: anywhere;
      }
      .notice.info {
        border-color: rgb(34 211 238 / 0.5);
        background: rgb(34 211 238 / 0.08);
      }
      .notice button {
        padding: 0.2rem 0.6rem;
        margin-left: 0.5rem;
      }
      /* Every notice and question in one row of the shell's grid, whatever their number. */
      .notices {
        display: grid;
        min-width: 0;
      }
      .mono {
        font-family: ui-monospace, monospace;
      }
      button.install {
        border-radius: 999px;
        padding: 0.15rem 0.7rem;
      }
      /* From tablets up: a side rail, the view beside it. */
      @media (min-width: 768px) {
        :host {
          grid-template-columns: 6rem minmax(0, 1fr);
          grid-template-rows: auto auto 1fr;
          padding-bottom: 0;
        }
        header,
        .notices,
        main {
          grid-column: 2;
        }
        nav {
          position: sticky;
          top: 0;
          grid-column: 1;
          grid-row: 1 / span 3;
          align-self: start;
          height: 100vh;
          padding: 4.2rem 0.4rem 0;
          box-sizing: border-box;
          border-top: 0;
          border-right: 1px solid var(--glass-border);
          background: rgb(255 255 255 / 0.02);
        }
        nav ul {
          grid-template-columns: 1fr;
          gap: 0.4rem;
        }
      }
      @media (min-width: 1280px) {
        main {
          max-width: 1200px;
        }
      }
    `,
  ];

  @property({ attribute: false }) engine!: Engine;
  @property({ attribute: false }) settings!: SettingsStore;
  @property({ attribute: false }) updates: AppUpdates | undefined;
  @property({ attribute: false }) install: InstallPrompt | undefined;
  /** Whether the browser keeps the stored files (Safari's 7-day cap), and asking it to. */
  @property({ attribute: false }) keep: KeepFiles | undefined;
  /**
   * A room a link asks to move to: the app stays where it is until the user says Join. Nothing of
   * the user's goes with them: their shares stay offered in the rooms they belong to.
   */
  @property({ attribute: false }) askRoom: string | undefined;
  /** Files shared in from outside, waiting for the user's Share or Discard. */
  @property({ attribute: false }) inbox: ShareInbox | undefined;
  /** A problem to tell that is not the engine's (a link that is not a share link). */
  @property({ attribute: false }) problem: string | undefined;
  /** The user asked to reload for a new version while transfers run: they confirm once more. */
  @state() private confirmUpdate = false;
  @state() private route: Route = { view: 'dashboard' };
  /** The header's slice: what it shows, nothing the views show. */
  #header: SliceController<Pick<EngineState, 'signaling' | 'selfName' | 'notice'>> | undefined;
  #providers: unknown[] = [];
  readonly #linkWait = new ShareLinkWait(this, () => this.engine);

  readonly #onHashChange = () => {
    this.route = parseRoute(location.hash, this.settings.current.defaultView);
    const { shareId, secret, linkError } = this.route;
    if (linkError) this.problem = linkError;
    // A private link: the page learns its secret first, so the room's holders of it become visible.
    else if (shareId && secret) void this.engine.expectPrivate(shareId, secret).then(() => this.route.shareId === shareId && this.#linkWait.want(shareId));
    else if (shareId) this.#linkWait.want(shareId);
  };

  readonly #rerender = () => this.requestUpdate();

  /** Back and Forward across room changes: the room in the URL is the room we are in. */
  readonly #onPopState = () => {
    const room = new URLSearchParams(location.search).get('room') ?? undefined;
    this.engine.setRoom(room);
    rememberRoom(localStorage, room);
    this.requestUpdate();
  };

  override connectedCallback(): void {
    // The views find the engine and the settings through context (before they connect: they are children).
    if (this.#providers.length === 0) {
      this.#providers = [
        new ContextProvider(this, { context: engineContext, initialValue: this.engine }),
        new ContextProvider(this, { context: settingsContext, initialValue: this.settings }),
      ];
    }
    this.#header ??= new SliceController(this, (s) => ({ signaling: s.signaling, selfName: s.selfName, notice: s.notice }), undefined, this.engine);
    super.connectedCallback();
    this.#onHashChange();
    addEventListener('hashchange', this.#onHashChange);
    this.updates?.addEventListener('change', this.#rerender);
    this.install?.addEventListener('change', this.#rerender);
    addEventListener('popstate', this.#onPopState);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener('hashchange', this.#onHashChange);
    this.updates?.removeEventListener('change', this.#rerender);
    this.install?.removeEventListener('change', this.#rerender);
    removeEventListener('popstate', this.#onPopState);
  }

  override render() {
    const state = this.#header!.value ?? this.engine.store.state;
    return html`
      <header>
        <h1>Shoal</h1>
        <div class="status">
          <span class="name" title="Your name in the room">${state.selfName}</span>
          <span class="badge ${state.signaling}" aria-label="Signaling ${state.signaling}">${state.signaling === 'open' ? 'Online' : state.signaling === 'connecting' ? 'Connecting' : 'Offline'}</span>
          ${this.install?.state === 'available' ? html`<button class="install" @click=${() => void this.install!.prompt()}>Install</button>` : ''}
        </div>
      </header>
      <div class="notices">
        ${this.#renderUpdate()}
        <shoal-keep-files .keep=${this.keep} .install=${this.install}></shoal-keep-files>
        <shoal-room-question .room=${this.askRoom} @room-answer=${this.#onRoomAnswer}></shoal-room-question>
        <shoal-share-tray .inbox=${this.inbox} @tray-answer=${this.#onTrayAnswer}></shoal-share-tray>
        ${state.notice ? html`<div class="notice" role="status">${state.notice}</div>` : ''}
        ${this.problem ? html`<div class="notice" role="alert">${this.problem} <button class="quiet" @click=${() => (this.problem = undefined)}>Dismiss</button></div>` : ''}
        ${this.#linkWait.wanted
          ? html`<div class="notice info" role="status">
              Waiting for someone in this room to offer the linked file (<span class="mono">${this.#linkWait.wanted.slice(0, 12)}…</span>); it downloads as soon as they do.
              <button class="quiet" @click=${() => this.#linkWait.stop()}>Stop waiting</button>
            </div>`
          : ''}
      </div>
      <nav aria-label="Views">
        <ul>
          ${VIEWS.map(
            (view) => html`<li>
              <a href=${viewHref(view)} aria-current=${this.route.view === view ? 'page' : 'false'}>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d=${ICONS[view]}></path></svg>
                <span>${VIEW_LABELS[view]}</span>
              </a>
            </li>`,
          )}
        </ul>
      </nav>
      <main @share-action=${this.#onShareAction} @room-change=${this.#onRoomChange}>${this.#renderView()}</main>
      <shoal-toasts></shoal-toasts>
    `;
  }

  readonly #onTrayAnswer = (event: TrayAnswerEvent) => {
    if (event.answer !== 'discard') void this.inbox?.share(event.batchId, this.engine, { private: event.answer === 'share-privately' });
    else void this.inbox?.discard(event.batchId);
  };

  readonly #onRoomAnswer = (event: RoomAnswerEvent) => {
    const room = this.askRoom;
    this.askRoom = undefined;
    if (event.join) return this.#onRoomChange(new RoomChangeEvent(room));
    // A share link of that room waits for nobody here.
    if (this.route.shareId) {
      this.#linkWait.stop();
      location.hash = '#/files';
    }
  };

  /** "New version — reload", never by itself; with transfers running, once more to confirm. */
  #renderUpdate() {
    if (!this.updates?.waiting) return '';
    const running = activeTransfers(this.engine.store.state.shares);
    const reload = () => {
      if (running > 0 && !this.confirmUpdate) this.confirmUpdate = true;
      else this.updates!.apply();
    };
    return html`<div class="notice info" role="status">
      ${this.confirmUpdate && running > 0
        ? html`Reloading pauses ${running} transfer${running === 1 ? '' : 's'}; ${running === 1 ? 'it resumes' : 'they resume'} after the reload.
            <button @click=${reload}>Reload anyway</button><button class="quiet" @click=${() => (this.confirmUpdate = false)}>Not now</button>`
        : html`A new version of Shoal is ready. <button @click=${reload}>Reload</button>`}
    </div>`;
  }

  #renderView() {
    switch (this.route.view) {
      case 'dashboard':
        return html`<shoal-dashboard></shoal-dashboard>`;
      case 'network':
        return html`<shoal-network-view></shoal-network-view>`;
      case 'transfers':
        return html`<shoal-transfers-view></shoal-transfers-view>`;
      case 'files':
        return html`<shoal-files-view></shoal-files-view>`;
      case 'settings':
        return html`<shoal-settings-view .room=${new URLSearchParams(location.search).get('room') ?? undefined} .keep=${this.keep}></shoal-settings-view>`;
    }
  }

  override updated(): void {
    const label = VIEW_LABELS[this.route.view];
    document.title = `${label} · Shoal`;
  }

  #onShareAction(event: ShareActionEvent): void {
    if (event.action === 'remove') void this.engine.remove(event.shareId);
    else if (event.action === 'pause') this.engine.pause(event.shareId);
    else if (event.action === 'allow-access') void this.engine.allowSourceAccess();
    else if (event.action === 'share-here') void this.engine.shareHere(event.shareId);
    else if (event.action === 'unshare-here') void this.engine.stopSharingHere(event.shareId);
    else this.engine.resume(event.shareId);
  }

  /**
   * Opens a link handed to this window (the OS, a launch of the installed app): a share link moves
   * to its room and downloads its share; an app URL shows its view; anything else is refused.
   */
  openLink(href: string): void {
    const link = parseShoalLink(href);
    if (link) {
      const here = new URLSearchParams(location.search).get('room') ?? undefined;
      // Another room is asked about; a link without a room downloads here.
      if (link.room !== undefined && link.room !== here) this.askRoom = link.room;
      location.hash = `#/s/${link.shareId}`;
      return;
    }
    try {
      const url = new URL(href);
      if (url.origin === location.origin) return void (location.href = url.href);
    } catch {
      // not a URL: refused below
    }
    this.problem = 'That link is not a Shoal share link.';
  }

  /**
   * Another room, without a reload: the URL names it (a link, and Back works), the engine joins it,
   * and it is remembered as where the user is.
   */
  #onRoomChange(event: RoomChangeEvent): void {
    const url = new URL(location.href);
    if (event.room) url.searchParams.set('room', event.room);
    else url.searchParams.delete('room');
    url.searchParams.delete('relay');
    history.pushState(null, '', url.href);
    this.askRoom = undefined;
    this.engine.setRoom(event.room);
    rememberRoom(localStorage, event.room);
    this.requestUpdate();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-app': ShoalApp;
  }
}
