/**
 * Which room this browser is in: the local room (everyone behind the same public address, as on a
 * LAN), or a named room joined by code or link. "New private room" makes an unguessable code; the
 * link can be copied and sent. A change of room is a `room-change` event (the shell joins it).
 */
import { css, html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { newRoomCode, roomFromInput, roomLink } from './room-code.js';
import { fields, panel } from './theme.js';

/** The user chose another room (undefined: the room of this address). */
export class RoomChangeEvent extends Event {
  constructor(readonly room: string | undefined) {
    super('room-change', { bubbles: true, composed: true });
  }
}

@customElement('shoal-room-panel')
export class RoomPanel extends LitElement {
  static override styles = [
    panel,
    fields,
    css`
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      form.row {
        margin-top: 0.6rem;
      }
      code {
        font-family: ui-monospace, monospace;
        color: var(--neon);
        overflow-wrap: anywhere;
      }
      input {
        min-width: 10rem;
        flex: 1;
      }
      .hint {
        color: var(--muted);
        font-size: 0.85rem;
        margin: 0.4rem 0 0;
      }
      .error {
        color: var(--bad);
        font-size: 0.85rem;
      }
    `,
  ];

  /** The room name from the URL, or undefined for the local room. */
  @property({ attribute: false }) named: string | undefined;
  @state() private copied = false;
  @state() private invalid = false;

  override render() {
    return html`
      <section class="panel" aria-labelledby="room-title">
        <h2 id="room-title">Room</h2>
        <div class="row">
          ${this.named
            ? html`<span>Private room <code aria-label="Room code">${this.named}</code></span>
                <button @click=${this.#copy} aria-label="Copy room link">${this.copied ? 'Copied' : 'Copy link'}</button>
                <button class="quiet" @click=${() => this.#go(undefined)}>Leave</button>`
            : html`<span>Local room: everyone on your network</span>
                <button @click=${() => this.#go(newRoomCode())}>New private room</button>`}
        </div>
        <form class="row" @submit=${this.#join}>
          <input name="code" placeholder="Room code or link" aria-label="Room code or link" @input=${() => (this.invalid = false)} />
          <button type="submit">Join</button>
        </form>
        ${this.invalid ? html`<p class="error" role="alert">That is not a room code or a Shoal room link.</p>` : ''}
        <p class="hint">Each file is offered only in the room it was shared in: moving to another room takes none of them along.</p>
      </section>
    `;
  }

  #join(event: Event): void {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem('code') as HTMLInputElement;
    const room = roomFromInput(input.value);
    if (!room) {
      this.invalid = true;
      return;
    }
    this.#go(room);
  }

  async #copy(): Promise<void> {
    await navigator.clipboard?.writeText(roomLink(location.href, this.named!)).catch(() => undefined);
    this.copied = true;
    setTimeout(() => (this.copied = false), 1500);
  }

  #go(room: string | undefined): void {
    this.invalid = false;
    this.dispatchEvent(new RoomChangeEvent(room));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-room-panel': RoomPanel;
  }
}
