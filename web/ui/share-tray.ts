/**
 * The tray: files shared with Shoal from outside (another app's share sheet, a website's POST, "Open
 * with Shoal") wait here as one question per batch, "Share these 3 files (1.2 GiB) in your
 * network?", with Share, Share privately (each file a private share, spec §11) and Discard. Nothing of them is hashed or announced before Share.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { NETWORK_ROOM, roomLabel, type RoomKey } from '../engine/share-rooms.js';
import type { ShareInbox, WaitingBatch } from '../pwa/share-inbox.js';
import { formatBytes } from './format.js';
import { SliceController } from './slice-controller.js';
import { buttons } from './theme.js';

/** Names listed per batch; the rest are counted. */
const NAMES_SHOWN = 5;

/** The user answered a batch: the shell carries it out. */
export class TrayAnswerEvent extends Event {
  constructor(
    readonly batchId: string,
    readonly answer: 'share' | 'share-privately' | 'discard',
  ) {
    super('tray-answer', { bubbles: true, composed: true });
  }
}

@customElement('shoal-share-tray')
export class ShareTray extends LitElement {
  static override styles = [
    buttons,
    css`
      :host {
        display: grid;
        gap: 0.75rem;
        margin: 0 1rem 1rem;
      }
      :host([hidden]) {
        display: none;
      }
      .batch {
        display: grid;
        gap: 0.4rem;
        padding: 0.7rem 0.9rem;
        border-radius: 12px;
        border: 1px solid rgb(250 204 21 / 0.5);
        background: rgb(250 204 21 / 0.08);
        overflow-wrap: anywhere;
      }
      p {
        margin: 0;
        color: var(--muted);
        font-size: 0.85rem;
      }
      ul {
        margin: 0;
        padding-left: 1.2rem;
        font-size: 0.85rem;
      }
      .choices {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) inbox: ShareInbox | undefined;
  @state() private roomKey: RoomKey = NETWORK_ROOM;
  readonly slice = new SliceController(this, (s) => s.roomKey, (roomKey) => (this.roomKey = roomKey));
  readonly #changed = () => this.requestUpdate();

  override connectedCallback(): void {
    super.connectedCallback();
    this.inbox?.addEventListener('change', this.#changed);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.inbox?.removeEventListener('change', this.#changed);
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('inbox')) {
      (changed.get('inbox') as ShareInbox | undefined)?.removeEventListener('change', this.#changed);
      if (this.isConnected) this.inbox?.addEventListener('change', this.#changed);
    }
    this.hidden = (this.inbox?.waiting.length ?? 0) === 0;
  }

  override render() {
    return (this.inbox?.waiting ?? []).map((batch) => this.#renderBatch(batch));
  }

  #renderBatch(batch: WaitingBatch) {
    const count = batch.names.length;
    const what = count === 1 ? 'this file' : `these ${count} files`;
    const answer = (choice: TrayAnswerEvent['answer']) => () => this.dispatchEvent(new TrayAnswerEvent(batch.id, choice));
    return html`<div class="batch" role="alertdialog" aria-labelledby="q-${batch.id}" aria-describedby="d-${batch.id}">
      <strong id="q-${batch.id}">Share ${what} (${formatBytes(batch.bytes)}) in ${roomLabel(this.roomKey)}?</strong>
      <p id="d-${batch.id}">${batch.source.kind === 'launch' ? 'Opened with Shoal.' : 'Shared with Shoal from another app or a website.'} Nothing is shared until you say so.</p>
      <ul aria-label="Files waiting to be shared">
        ${batch.names.slice(0, NAMES_SHOWN).map((name) => html`<li>${name}</li>`)}
        ${count > NAMES_SHOWN ? html`<li>and ${count - NAMES_SHOWN} more</li>` : nothing}
      </ul>
      <div class="choices">
        <button @click=${answer('share')}>Share</button>
        <button class="quiet" @click=${answer('share-privately')} title="Only people with each file's link can find or download it">Share privately</button>
        <button class="quiet" @click=${answer('discard')}>Discard</button>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-share-tray': ShareTray;
  }
}
