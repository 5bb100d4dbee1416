/** Drop zone and "Share files" button: emits `share-files` with the chosen File objects. */
import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { panel } from './theme.js';

export class ShareFilesEvent extends Event {
  constructor(readonly files: File[]) {
    super('share-files', { bubbles: true, composed: true });
  }
}

@customElement('shoal-share-drop')
export class ShareDrop extends LitElement {
  static override styles = [
    panel,
    css`
      .zone {
        display: grid;
        place-items: center;
        gap: 0.75rem;
        min-height: 9rem;
        border: 2px dashed rgb(34 211 238 / 0.35);
        border-radius: 14px;
        text-align: center;
        transition: background 0.15s, border-color 0.15s;
      }
      .zone.over {
        border-color: var(--neon);
        background: rgb(34 211 238 / 0.08);
      }
      p {
        margin: 0;
        color: var(--muted);
      }
      input {
        display: none;
      }
    `,
  ];

  @state() private over = false;

  override render() {
    return html`
      <section class="panel" aria-labelledby="share-title">
        <h2 id="share-title">Share</h2>
        <div
          class="zone ${this.over ? 'over' : ''}"
          @dragover=${this.#onDragOver}
          @dragleave=${() => (this.over = false)}
          @drop=${this.#onDrop}
        >
          <p>Drop files here to share them with your room</p>
          <button @click=${() => this.renderRoot.querySelector('input')!.click()}>Share files</button>
          <input type="file" multiple aria-label="Share files" @change=${this.#onPick} />
        </div>
      </section>
    `;
  }

  #onDragOver(event: DragEvent): void {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    this.over = true;
  }

  #onDrop(event: DragEvent): void {
    event.preventDefault();
    this.over = false;
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length > 0) this.dispatchEvent(new ShareFilesEvent(files));
  }

  #onPick(event: Event): void {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length > 0) this.dispatchEvent(new ShareFilesEvent(files));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-share-drop': ShareDrop;
  }
}
