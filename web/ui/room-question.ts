/**
 * "Join room X?": a link (a share link, `?room=`, `web+shoal:`) named another room than the one the
 * user is in. Nothing moves until they answer; their shares stay offered where they belong either way.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { roomLabel } from '../engine/share-rooms.js';
import { SliceController } from './slice-controller.js';
import { buttons, question } from './theme.js';

/** The user's answer: `join` the asked room, or stay where they are. */
export class RoomAnswerEvent extends Event {
  constructor(readonly join: boolean) {
    super('room-answer', { bubbles: true, composed: true });
  }
}

@customElement('shoal-room-question')
export class RoomQuestion extends LitElement {
  static override styles = [
    buttons,
    question,
    css`
      .mono {
        font-family: ui-monospace, monospace;
      }
    `,
  ];

  /** The room the link asks for; nothing is shown without one. */
  @property() room: string | undefined;
  /** Where the user is, and how many shares they offer there. */
  readonly slice = new SliceController(this, (s) => ({ here: s.roomKey, offered: s.shares.filter((share) => share.rooms.includes(s.roomKey)).length }));

  override render() {
    const { here, offered } = this.slice.value ?? { here: '', offered: 0 };
    if (this.room === undefined) return nothing;
    return html`<div class="question" role="alertdialog" aria-labelledby="room-question" aria-describedby="room-question-detail">
      <strong id="room-question">Join room <span class="mono">${this.room}</span>?</strong>
      <span id="room-question-detail">A link asks to move you there. Your shares stay in ${roomLabel(here)}${offered > 0 ? ` (${offered} shared there)` : ''}: nothing is offered in the new room unless you share it there.</span>
      <span class="choices">
        <button @click=${() => this.dispatchEvent(new RoomAnswerEvent(true))}>Join room</button>
        <button class="quiet" @click=${() => this.dispatchEvent(new RoomAnswerEvent(false))}>Stay here</button>
      </span>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-room-question': RoomQuestion;
  }
}
