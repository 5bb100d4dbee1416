/**
 * The file manager's list: every share this browser holds or is fetching, with its size, seeders,
 * SHA-256 (copyable), its share link and QR code, a folder's files, and open, save, cancel, remove.
 * The Transfers view shows the same shares as a torrent list (chunk maps, speeds, peers).
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { folderFileUrl, shareFileUrl } from '../../protocol/index.js';
import type { RoomFile, ShareState } from '../engine/state.js';
import { formatBytes, formatDuration, formatSpeed } from './format.js';
import { shareLink } from './routes.js';
import { ShareActionEvent } from './share-actions.js';
import { OPENS_WHILE_DOWNLOADING, STATUS_TEXT } from './share-status.js';
import { SliceController } from './slice-controller.js';
import { NETWORK_ROOM, roomLabel, roomOfKey, type RoomKey } from '../engine/share-rooms.js';
import { panel, shareItems } from './theme.js';
import './qr-code.js';

/** A folder's file list shows this many files; the ZIP holds them all. */
const FOLDER_FILES_SHOWN = 200;

@customElement('shoal-share-list')
export class ShareList extends LitElement {
  static override styles = [
    panel,
    shareItems,
    css`
      .folder summary {
        cursor: pointer;
        color: var(--muted);
        font-size: 0.85rem;
      }
      .folder ul {
        list-style: none;
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
      .hash {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }
      .hash .mono {
        flex: 1;
        min-width: 0;
      }
      button.small {
        padding: 0.15rem 0.5rem;
        font-size: 0.75rem;
      }
      .access {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.75rem;
        margin-bottom: 0.75rem;
        padding: 0.6rem 0.8rem;
        border: 1px solid rgb(250 204 21 / 0.45);
        border-radius: 10px;
        background: rgb(250 204 21 / 0.08);
      }
      .access p {
        flex: 1;
        margin: 0;
        min-width: 12rem;
      }
      .qr {
        display: grid;
        justify-items: start;
        gap: 0.4rem;
        margin-top: 0.3rem;
      }
      .qr summary {
        cursor: pointer;
        color: var(--muted);
        font-size: 0.85rem;
      }
      .qr a {
        color: var(--neon);
        font-size: 0.8rem;
        overflow-wrap: anywhere;
      }
    `,
  ];

  @property({ attribute: false }) shares: ShareState[] = [];
  @property({ attribute: false }) roomFiles: RoomFile[] = [];
  /** The room the page is in, as shares record it. */
  @property({ attribute: false }) roomKey: RoomKey = NETWORK_ROOM;
  readonly slice = new SliceController(this, (s) => ({ shares: s.shares, roomFiles: s.roomFiles, roomKey: s.roomKey }), ({ shares, roomFiles, roomKey }) => {
    this.shares = shares;
    this.roomFiles = roomFiles;
    this.roomKey = roomKey;
  });
  /** Which share's link was just copied (the button says so for a moment). */
  @state() private copied: string | undefined;

  override render() {
    return html`
      <section class="panel" aria-labelledby="transfers-title">
        <h2 id="transfers-title">Your files</h2>
        ${this.#renderAccess()}
        ${this.shares.length === 0
          ? html`<p class="empty">Nothing shared or downloaded yet.</p>`
          : html`<ul class="shares" aria-label="Your files">
              ${this.shares.map((share) => this.#renderShare(share))}
            </ul>`}
      </section>
    `;
  }

  /** One button for every file shared from disk that the browser wants permission to read again. */
  #renderAccess() {
    const waiting = this.shares.filter((s) => s.status === 'needs-access').length;
    if (waiting === 0) return nothing;
    return html`<div class="access" role="alert">
      <p>${waiting === 1 ? 'A file you shared from disk needs' : `${waiting} files you shared from disk need`} your permission to be read again before they are seeded (the browser asks after it restarts).</p>
      <button @click=${() => this.dispatchEvent(new ShareActionEvent('allow-access', ''))}>Allow reading</button>
    </div>`;
  }

  /** A folder's files, each openable (also while it downloads); long folders show their first files. */
  #renderFolder(share: ShareState) {
    const files = share.files!;
    const shown = files.slice(0, FOLDER_FILES_SHOWN);
    return html`<details class="folder">
      <summary>${files.length} file${files.length === 1 ? '' : 's'}</summary>
      <ul aria-label="Files in ${share.name}">
        ${shown.map(
          (file) => html`<li>
            ${share.status === 'seeding' || OPENS_WHILE_DOWNLOADING.has(share.status)
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
    const others = this.roomFiles.find((file) => file.id === share.id)?.holders.length ?? 0;
    const here = share.rooms.includes(this.roomKey);
    const seeders = others + (share.status === 'seeding' && here ? 1 : 0);
    // The link names a room the share is offered in: this one, else the first of its own.
    const linkRoom = here ? this.roomKey : share.rooms[0];
    const link = share.status === 'hashing' || share.id.startsWith('pending-') || linkRoom === undefined ? undefined : shareLink(location.href, share.id, roomOfKey(linkRoom) ?? null, share.secret);
    return html`
      <li data-share-id=${share.id} data-status=${share.status} data-offered-here=${here ? 'yes' : 'no'} aria-label=${share.name}>
        <div class="row">
          <span class="name">${share.name}</span>
          <span class="status ${share.status}">${share.status === 'seeding' && !here ? 'Not in this room' : STATUS_TEXT[share.status]}</span>
        </div>
        <progress max="1" .value=${fraction} aria-label="${STATUS_TEXT[share.status]} ${share.name}"></progress>
        <div class="meta">
          ${share.status === 'seeding' ? html`<span>${formatBytes(share.size)}</span>` : html`<span>${formatBytes(share.bytesDone)} of ${formatBytes(share.size)} (${Math.floor(fraction * 100)}%)</span>`}
          ${link ? html`<span>${seeders} seeder${seeders === 1 ? '' : 's'}</span>` : nothing}
          <span class="rooms" title="Offered only to peers in ${share.rooms.length === 1 ? 'this room' : 'these rooms'}">${share.rooms.length === 0 ? 'shared in no room' : `in ${share.rooms.map(roomLabel).join(', ')}`}</span>
          ${share.fromDisk ? html`<span class="disk" title="Seeded from your file where it lies: no copy in browser storage">from disk</span>` : nothing}
          ${share.secret ? html`<span class="private" title="Only people with its link can see or fetch it; the server never sees its name">private</span>` : nothing}
          ${active ? html`<span>${formatSpeed(share.speed)}</span><span>ETA ${formatDuration(share.etaSeconds)}</span>` : nothing}
          ${share.status === 'downloading' ? html`<span>${share.sources} peer${share.sources === 1 ? '' : 's'}</span>` : nothing}
        </div>
        ${share.fileHash
          ? html`<div class="hash">
              <span class="mono" title="SHA-256 of the whole ${share.files ? 'folder archive' : 'file'}">SHA-256 ${share.fileHash}</span>
              <button class="quiet small" aria-label="Copy SHA-256 of ${share.name}" @click=${() => this.#copy(share.fileHash!, `hash:${share.id}`)}>${this.copied === `hash:${share.id}` ? 'Copied' : 'Copy'}</button>
            </div>`
          : nothing}
        ${share.error ? html`<div class="error" role="alert">${share.error}</div>` : nothing}
        ${share.files ? this.#renderFolder(share) : nothing}
        ${link
          ? html`<details class="qr">
              <summary>${share.secret ? 'Private link and QR code' : 'Share link and QR code'}</summary>
              ${share.secret ? html`<p class="hint">Anyone with this link can download ${share.name}: send it only to the people it is for.</p>` : nothing}
              <a href=${link}>${link}</a>
              <shoal-qr-code .text=${link} label="QR code of the link to ${share.name}"></shoal-qr-code>
            </details>`
          : nothing}
        <div class="actions">
          ${share.status === 'seeding' && !share.files
            ? // No `download` attribute on Save: Chromium fetches such links past the service worker;
              // a plain navigation reaches it, and its Content-Disposition: attachment saves the file.
              html`<a class="button" href=${url} target="_blank" rel="noopener">Open</a>
                <a class="button" href="${url}?download">Save</a>`
            : nothing}
          ${share.status === 'seeding' && share.files ? html`<a class="button" href=${url} aria-label="Save ${share.name} as ZIP">Save .zip</a>` : nothing}
          ${OPENS_WHILE_DOWNLOADING.has(share.status) && !share.files
            ? html`<a class="button" href=${url} target="_blank" rel="noopener" aria-label="Open ${share.name} while it downloads">Open</a>`
            : nothing}
          ${link ? html`<button class="quiet" aria-label="Copy link to ${share.name}" @click=${() => this.#copy(link, `link:${share.id}`)}>${this.copied === `link:${share.id}` ? 'Link copied' : 'Copy link'}</button>` : nothing}
          ${share.status === 'downloading' || share.status === 'connecting'
            ? html`<button class="quiet" aria-label="Pause ${share.name}" @click=${() => this.dispatchEvent(new ShareActionEvent('pause', share.id))}>Pause</button>`
            : nothing}
          ${share.status === 'error' && share.id.startsWith('pending-')
            ? html`<button aria-label="Retry ${share.name}" @click=${() => this.dispatchEvent(new ShareActionEvent('resume', share.id))}>Retry</button>`
            : (share.status === 'paused' || share.status === 'stalled' || share.status === 'error') && !share.fromDisk
              ? html`<button aria-label="Resume ${share.name}" @click=${() => this.dispatchEvent(new ShareActionEvent('resume', share.id))}>Resume</button>`
              : nothing}
          ${!here && !share.id.startsWith('pending-') && share.status !== 'hashing'
            ? html`<button aria-label="Also share in this room: ${share.name}" @click=${() => this.dispatchEvent(new ShareActionEvent('share-here', share.id))}>Also share in this room</button>`
            : nothing}
          ${here && share.status === 'seeding'
            ? html`<button class="quiet" aria-label="Stop sharing here: ${share.name}" @click=${() => this.dispatchEvent(new ShareActionEvent('unshare-here', share.id))}>Stop sharing here</button>`
            : nothing}
          ${share.status === 'hashing'
            ? html`<button class="quiet" aria-label="Cancel sharing ${share.name}" @click=${() => this.dispatchEvent(new ShareActionEvent('remove', share.id))}>Cancel</button>`
            : html`<button class="quiet" aria-label="Remove ${share.name}" @click=${() => this.dispatchEvent(new ShareActionEvent('remove', share.id))}>Remove</button>`}
        </div>
      </li>
    `;
  }

  async #copy(text: string, what: string): Promise<void> {
    await navigator.clipboard?.writeText(text).catch(() => undefined);
    this.copied = what;
    setTimeout(() => {
      if (this.copied === what) this.copied = undefined;
    }, 1500);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-share-list': ShareList;
  }
}
