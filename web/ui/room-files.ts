/** Files announced in the room by other peers, each with its seeders and a Download button. */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RoomFile } from '../engine/state.js';
import { formatBytes } from './format.js';
import { SliceController } from './slice-controller.js';
import { panel } from './theme.js';

export class DownloadRequestEvent extends Event {
  constructor(readonly shareId: string) {
    super('download-request', { bubbles: true, composed: true });
  }
}

@customElement('shoal-room-files')
export class RoomFiles extends LitElement {
  static override styles = [
    panel,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 1rem;
        padding: 0.6rem 0.75rem;
        border-radius: 12px;
        background: rgb(255 255 255 / 0.03);
        border: 1px solid var(--glass-border);
      }
      .name {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .meta {
        font-size: 0.8rem;
        color: var(--muted);
      }
    `,
  ];

  @property({ attribute: false }) files: RoomFile[] = [];
  /** Peer names by id. */
  @property({ attribute: false }) names: Map<string, string> = new Map();
  /** Ids this browser already holds or fetches: no Download button for those. */
  @property({ attribute: false }) held: Set<string> = new Set();
  /** Whether this browser can connect to peers at all (no WebRTC: Download is greyed out, with why). */
  @property({ attribute: false }) webrtc = true;
  // Only what this list shows: peer names and held ids as strings, so the progress a transfer
  // publishes every 200 ms (shares' bytes, peers' counters) does not re-render it.
  readonly slice = new SliceController(
    this,
    (s) => ({ files: s.roomFiles, names: JSON.stringify(s.peers.map((p) => [p.peerId, p.name])), held: s.shares.map((share) => share.id).join(' '), webrtc: s.webrtc }),
    ({ files, names, held, webrtc }) => {
      this.webrtc = webrtc;
      this.files = files;
      this.names = new Map(JSON.parse(names) as [string, string][]);
      this.held = new Set(held.split(' '));
    },
  );

  override render() {
    const available = this.files.filter((f) => !this.held.has(f.id));
    return html`
      <section class="panel" aria-labelledby="room-files-title">
        <h2 id="room-files-title">In your room</h2>
        ${available.length === 0
          ? html`<p class="empty">${this.files.length > 0 ? 'You already have everything shared in your room.' : 'No one in your room is sharing anything yet.'}</p>`
          : html`<ul aria-label="Files in your room">
              ${available.map(
                (file) => html`<li data-share-id=${file.id}>
                  <div>
                    <div class="name">${file.name}</div>
                    <div class="meta">${formatBytes(file.size)} · from ${file.holders.map((h) => this.#name(h)).join(', ')}</div>
                  </div>
                  <button
                    aria-label="Download ${file.name}"
                    ?disabled=${!this.webrtc}
                    title=${this.webrtc ? '' : 'This browser has no WebRTC, so it cannot connect to the peers that hold this file'}
                    @click=${() => this.dispatchEvent(new DownloadRequestEvent(file.id))}
                  >
                    Download
                  </button>
                </li>`,
              )}
            </ul>`}
        ${!this.webrtc ? html`<p class="meta" role="note">Downloading needs WebRTC, which this browser does not have.</p>` : ''}
      </section>
    `;
  }

  #name(peerId: string): string {
    return this.names.get(peerId) || peerId.slice(0, 6);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-room-files': RoomFiles;
  }
}
