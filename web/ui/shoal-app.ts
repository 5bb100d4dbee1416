/**
 * The app shell: the header (name, signaling state), the navigation (a bottom bar on phones, a side
 * rail from tablets up) and the view the hash route names. Views are mounted only while shown; the
 * engine, its stats history and the transfers keep running whatever is on screen. A share link
 * (`#/s/<id>`) opens Files and downloads that share as soon as the room offers it.
 */
import { html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Engine } from '../engine/engine.js';
import type { EngineState } from '../engine/state.js';
import type { SettingsStore } from '../settings.js';
import { ContextProvider } from '@lit/context';
import { engineContext, SliceController } from './slice-controller.js';
import { parseRoute, parseShoalLink, viewHref, VIEW_LABELS, type Route } from './routes.js';
import { VIEWS } from '../settings.js';
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
import { ICONS, shellStyles } from './shell-styles.js';


@customElement('shoal-app')
export class ShoalApp extends LitElement {
  static override styles = shellStyles;

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
