/** The shares this browser holds or is fetching: progress, speed, ETA, hash, open/save, remove. */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { folderFileUrl, shareFileUrl } from '../../protocol/index.js';
import type { ShareState } from '../engine/state.js';
import { formatBytes, formatDuration, formatSpeed } from './format.js';
import { SliceController } from './slice-controller.js';
import { panel } from './theme.js';

const STATUS_TEXT: Record<ShareState['status'], string> = {
  hashing: 'Hashing',
  seeding: 'Seeding',
  connecting: 'Connecting',
  downloading: 'Downloading',
  verifying: 'Verifying',
  paused: 'Paused',
  stalled: 'Waiting for peers',
  error: 'Failed',
};

export class ShareActionEvent extends Event {
  constructor(
    readonly action: 'remove' | 'resume' | 'pause',
    readonly shareId: string,
  ) {
    super('share-action', { bubbles: true, composed: true });
  }
}

/** A folder's file list shows this many files; the ZIP holds them all. */
const FOLDER_FILES_SHOWN = 200;

@customElement('shoal-transfer-list')
export class TransferList extends LitElement {
  static override styles = [
    panel,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.75rem;
      }
      li {
        display: grid;
        gap: 0.35rem;
        padding: 0.75rem;
        border-radius: 12px;
        background: rgb(255 255 255 / 0.03);
        border: 1px solid var(--glass-border);
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        justify-content: space-between;
      }
      .name {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .status {
        font-size: 0.75rem;
        padding: 0.1rem 0.5rem;
        border-radius: 999px;
        border: 1px solid currentColor;
      }
      .status.seeding {
        color: var(--ok);
      }
      .status.error {
        color: var(--bad);
      }
      .status.downloading,
      .status.hashing,
      .status.connecting {
        color: var(--neon);
      }
      .meta {
        font-size: 0.8rem;
        color: var(--muted);
        display: flex;
        gap: 1rem;
        flex-wrap: wrap;
      }
      progress {
        width: 100%;
        height: 6px;
        appearance: none;
        border: none;
        border-radius: 3px;
        background: rgb(255 255 255 / 0.08);
        overflow: hidden;
      }
      progress::-webkit-progress-bar {
        background: rgb(255 255 255 / 0.08);
      }
      progress::-webkit-progress-value {
        background: linear-gradient(90deg, var(--neon), var(--neon-2));
        box-shadow: 0 0 10px var(--neon);
      }
      .actions {
        display: flex;
        gap: 0.5rem;
      }
      .error {
        color: var(--bad);
        font-size: 0.85rem;
      }
      .folder summary {
        cursor: pointer;
        color: var(--muted);
        font-size: 0.85rem;
      }
      .folder ul {
        max-height: 14rem;
        overflow: auto;
        margin: 0.4rem 0 0;
        padding: 0;
      }
      .folder li {
        display: flex;
        justify-content: space-between;
        gap: 1rem;
        padding: 0.15rem 0;
        border: 0;
        font-size: 0.85rem;
        overflow-wrap: anywhere;
      }
      .folder a {
        color: var(--neon);
      }
      .folder .size,
      .folder .more {
        color: var(--muted);
        white-space: nowrap;
      }
    `,
  ];

  @property({ attribute: false }) shares: ShareState[] = [];
  readonly slice = new SliceController(this, (s) => s.shares, (shares) => (this.shares = shares));

  override render() {
    return html`
      <section class="panel" aria-labelledby="transfers-title">
        <h2 id="transfers-title">Your files</h2>
        ${this.shares.length === 0
          ? html`<p class="empty">Nothing shared or downloaded yet.</p>`
          : html`<ul aria-label="Your files">
              ${this.shares.map((share) => this.#renderShare(share))}
            </ul>`}
      </section>
    `;
  }

  /** A folder's files, each openable once the share is complete; long folders show their first files. */
  #renderFolder(share: ShareState) {
    const files = share.files!;
    const shown = files.slice(0, FOLDER_FILES_SHOWN);
    return html`<details class="folder">
      <summary>${files.length} file${files.length === 1 ? '' : 's'}</summary>
      <ul aria-label="Files in ${share.name}">
        ${shown.map(
          (file) => html`<li>
            ${share.status === 'seeding'
              ? html`<a href=${folderFileUrl(share, file.path)} target="_blank" rel="noopener">${file.path}</a>`
              : html`<span>${file.path}</span>`}
            <span class="size">${formatBytes(file.size)}</span>
          </li>`,
        )}
        ${files.length > shown.length ? html`<li class="more">and ${files.length - shown.length} more (in the ZIP)</li>` : nothing}
      </ul>
    </details>`;
  }

  #renderShare(share: ShareState) {
    const fraction = share.size === 0 ? 1 : share.bytesDone / share.size;
    const active = share.status === 'downloading' || share.status === 'hashing' || share.status === 'connecting';
    const url = shareFileUrl(share);
    return html`
      <li data-share-id=${share.id} data-status=${share.status} aria-label=${share.name}>
        <div class="row">
          <span class="name">${share.name}</span>
          <span class="status ${share.status}">${STATUS_TEXT[share.status]}</span>
        </div>
        <progress max="1" .value=${fraction} aria-label="${STATUS_TEXT[share.status]} ${share.name}"></progress>
        <div class="meta">
          <span>${formatBytes(share.bytesDone)} of ${formatBytes(share.size)} (${Math.floor(fraction * 100)}%)</span>
          ${active ? html`<span>${formatSpeed(share.speed)}</span><span>ETA ${formatDuration(share.etaSeconds)}</span>` : nothing}
          ${share.status === 'downloading' ? html`<span>${share.sources} peer${share.sources === 1 ? '' : 's'}</span>` : nothing}
        </div>
        ${share.fileHash ? html`<div class="mono" title="SHA-256">SHA-256 ${share.fileHash}</div>` : nothing}
        ${share.error ? html`<div class="error" role="alert">${share.error}</div>` : nothing}
        ${share.files ? this.#renderFolder(share) : nothing}
        <div class="actions">
          ${share.status === 'seeding' && !share.files
            ? // No `download` attribute on Save: Chromium fetches such links past the service worker;
              // a plain navigation reaches it, and its Content-Disposition: attachment saves the file.
              html`<a class="button" href=${url} target="_blank" rel="noopener">Open</a>
                <a class="button" href="${url}?download">Save</a>`
            : nothing}
          ${share.status === 'seeding' && share.files ? html`<a class="button" href=${url} aria-label="Save ${share.name} as ZIP">Save .zip</a>` : nothing}
          ${share.status === 'downloading' || share.status === 'connecting'
            ? html`<button class="quiet" aria-label="Pause ${share.name}" @click=${() => this.dispatchEvent(new ShareActionEvent('pause', share.id))}>Pause</button>`
            : nothing}
          ${share.status === 'paused' || share.status === 'stalled' || share.status === 'error'
            ? html`<button aria-label="Resume ${share.name}" @click=${() => this.dispatchEvent(new ShareActionEvent('resume', share.id))}>Resume</button>`
            : nothing}
          ${share.status === 'hashing'
            ? html`<button class="quiet" aria-label="Cancel sharing ${share.name}" @click=${() => this.dispatchEvent(new ShareActionEvent('remove', share.id))}>Cancel</button>`
            : html`<button class="quiet" aria-label="Remove ${share.name}" @click=${() => this.dispatchEvent(new ShareActionEvent('remove', share.id))}>Remove</button>`}
        </div>
      </li>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-transfer-list': TransferList;
  }
}
