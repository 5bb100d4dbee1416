/** The peers in the room and the state of our connection to each. */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { PeerState } from '../engine/state.js';
import { formatBytes } from './format.js';
import { SliceController } from './slice-controller.js';
import { panel } from './theme.js';

@customElement('shoal-peer-list')
export class PeerList extends LitElement {
  static override styles = [
    panel,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.4rem;
      }
      li {
        display: flex;
        justify-content: space-between;
        gap: 0.75rem;
        align-items: center;
      }
      .dot {
        width: 0.6rem;
        height: 0.6rem;
        border-radius: 50%;
        background: var(--muted);
        display: inline-block;
        margin-right: 0.5rem;
      }
      .dot.connected {
        background: var(--ok);
        box-shadow: 0 0 8px var(--ok);
      }
      .dot.connecting,
      .dot.new {
        background: var(--neon);
      }
      .dot.failed {
        background: var(--bad);
      }
      .meta {
        font-size: 0.75rem;
        color: var(--muted);
      }
    `,
  ];

  @property({ attribute: false }) peers: PeerState[] = [];
  readonly slice = new SliceController(this, (s) => s.peers, (peers) => (this.peers = peers));

  override render() {
    return html`
      <section class="panel" aria-labelledby="peers-title">
        <h2 id="peers-title">Peers (${this.peers.length})</h2>
        ${this.peers.length === 0
          ? html`<p class="empty">Waiting for others. Open Shoal on another device on this network.</p>`
          : html`<ul aria-label="Peers">
              ${this.peers.map(
                (peer) => html`<li data-peer-id=${peer.peerId}>
                  <span><span class="dot ${peer.connection}"></span>${peer.name || peer.peerId.slice(0, 6)}</span>
                  <span class="meta" title="${peer.chunksSent} chunks sent, ${peer.chunksReceived} received${peer.badChunks ? `, ${peer.badChunks} bad` : ''}${peer.lastFailure ? ` — last problem: ${peer.lastFailure}` : ''}"
                    >${peer.path ? `${peer.path} · ` : ''}${peer.rtt !== undefined ? `${Math.round(peer.rtt * 1000)} ms · ` : ''}↑ ${formatBytes(peer.bytesSent)} ↓ ${formatBytes(peer.bytesReceived)}</span
                  >
                </li>`,
              )}
            </ul>`}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-peer-list': PeerList;
  }
}
