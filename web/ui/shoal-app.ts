/** The app shell: header with connection state, and the dashboard of panels. */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Engine } from '../engine/engine.js';
import type { EngineState } from '../engine/state.js';
import type { SettingsStore } from '../settings.js';
import { ContextProvider } from '@lit/context';
import { engineContext, SliceController } from './slice-controller.js';
import './dashboard.js';
import './peer-list.js';
import './room-files.js';
import type { DownloadRequestEvent } from './room-files.js';
import './share-drop.js';
import type { ShareFilesEvent } from './share-drop.js';
import './rate-limits.js';
import './room-panel.js';
import type { RoomChangeEvent } from './room-panel.js';
import type { LimitsChangeEvent } from './rate-limits.js';
import './transfer-list.js';
import type { ShareActionEvent } from './transfer-list.js';

@customElement('shoal-app')
export class ShoalApp extends LitElement {
  static override styles = css`
    :host {
      display: block;
      max-width: 1200px;
      margin: 0 auto;
      padding: 1rem;
    }
    header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      flex-wrap: wrap;
      gap: 0.75rem;
      margin-bottom: 1rem;
    }
    h1 {
      margin: 0;
      font-size: 1.6rem;
      letter-spacing: 0.04em;
      background: linear-gradient(90deg, var(--neon), var(--neon-2));
      -webkit-background-clip: text;
      background-clip: text;
      color: transparent;
      text-shadow: 0 0 24px rgb(34 211 238 / 0.25);
    }
    .status {
      display: flex;
      gap: 1rem;
      align-items: center;
      font-size: 0.85rem;
      color: var(--muted);
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
    label {
      display: flex;
      gap: 0.35rem;
      align-items: center;
    }
    shoal-dashboard {
      display: block;
      margin-bottom: 1rem;
    }
    .grid {
      display: grid;
      gap: 1rem;
      grid-template-columns: minmax(0, 2fr) minmax(0, 1fr);
    }
    .column {
      display: grid;
      gap: 1rem;
      align-content: start;
    }
    .notice {
      margin-bottom: 1rem;
      padding: 0.6rem 0.9rem;
      border-radius: 12px;
      border: 1px solid rgb(251 113 133 / 0.5);
      background: rgb(251 113 133 / 0.1);
    }
    @media (max-width: 760px) {
      .grid {
        grid-template-columns: 1fr;
      }
    }
  `;

  @property({ attribute: false }) engine!: Engine;
  @property({ attribute: false }) settings!: SettingsStore;
  /** The header's slice: what it shows, nothing the panels show. */
  #header: SliceController<Pick<EngineState, 'signaling' | 'selfName' | 'forceRelay' | 'notice'>> | undefined;
  #provider: ContextProvider<typeof engineContext> | undefined;

  /** Back and Forward across room changes: the room in the URL is the room we are in. */
  readonly #onPopState = () => {
    this.engine.setRoom(new URLSearchParams(location.search).get('room') ?? undefined);
    this.requestUpdate();
  };

  override connectedCallback(): void {
    // The panels find the engine through this context (before they connect: they are children).
    this.#provider ??= new ContextProvider(this, { context: engineContext, initialValue: this.engine });
    this.#header ??= new SliceController(this, (s) => ({ signaling: s.signaling, selfName: s.selfName, forceRelay: s.forceRelay, notice: s.notice }), undefined, this.engine);
    super.connectedCallback();
    addEventListener('popstate', this.#onPopState);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener('popstate', this.#onPopState);
  }

  override render() {
    const state = this.#header!.value ?? this.engine.store.state;
    return html`
      <header>
        <h1>Shoal</h1>
        <div class="status">
          <span>${state.selfName}</span>
          <span class="badge ${state.signaling}" aria-label="Signaling ${state.signaling}">${state.signaling === 'open' ? 'Online' : state.signaling === 'connecting' ? 'Connecting' : 'Offline'}</span>
          <label title="Route every connection through the TURN relay (your address stays hidden from peers)">
            <input type="checkbox" .checked=${state.forceRelay} @change=${this.#toggleRelay} /> Relay only
          </label>
        </div>
      </header>
      ${state.notice ? html`<div class="notice" role="status">${state.notice}</div>` : ''}
      <shoal-dashboard></shoal-dashboard>
      <div class="grid">
        <div class="column">
          <shoal-share-drop @share-files=${(e: ShareFilesEvent) => e.sources.forEach((source) => void this.engine.share(source).catch(() => undefined))}></shoal-share-drop>
          <shoal-transfer-list @share-action=${this.#onShareAction}></shoal-transfer-list>
        </div>
        <div class="column">
          <shoal-room-panel .named=${new URLSearchParams(location.search).get('room') ?? undefined} @room-change=${this.#onRoomChange}></shoal-room-panel>
          <shoal-room-files @download-request=${(e: DownloadRequestEvent) => void this.engine.download(e.shareId)}></shoal-room-files>
          <shoal-peer-list></shoal-peer-list>
          <shoal-rate-limits @limits-change=${this.#onLimits}></shoal-rate-limits>
        </div>
      </div>
    `;
  }

  #onLimits(event: LimitsChangeEvent): void {
    this.engine.setRateLimits(event.limits);
    this.settings.update({ limits: event.limits });
  }

  #onShareAction(event: ShareActionEvent): void {
    if (event.action === 'remove') void this.engine.remove(event.shareId);
    else if (event.action === 'pause') this.engine.pause(event.shareId);
    else this.engine.resume(event.shareId);
  }

  #toggleRelay(event: Event): void {
    const on = (event.target as HTMLInputElement).checked;
    this.settings.update({ relayOnly: on });
    this.engine.setRelayOnly(on);
  }

  /** Another room, without a reload: the URL names it (a link, and Back works), the engine joins it. */
  #onRoomChange(event: RoomChangeEvent): void {
    const url = new URL(location.href);
    if (event.room) url.searchParams.set('room', event.room);
    else url.searchParams.delete('room');
    url.searchParams.delete('relay');
    history.pushState(null, '', url.href);
    this.engine.setRoom(event.room);
    this.requestUpdate();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-app': ShoalApp;
  }
}
