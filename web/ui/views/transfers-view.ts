/**
 * Transfers, the torrent list: every share being hashed, fetched or seeded, with progress, a chunk
 * map from the download's bitfield, speed and its sparkline (the last minute), ETA, the peers it
 * pulls from and what each gave, and its state; pause, resume, cancel, open, save, remove; sort
 * and filter. Chunk maps and contributors are asked of the data plane once a second (after the
 * stats sample), for running downloads only.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { shareFileUrl } from '../../../protocol/index.js';
import type { DownloadInspection } from '../../engine/engine.js';
import type { PeerState, ShareState } from '../../engine/state.js';
import { formatBytes, formatDuration, formatSpeed } from '../format.js';
import { ShareActionEvent, type ShareAction } from '../share-actions.js';
import { roomLabel } from '../../engine/share-rooms.js';
import { OPENS_WHILE_DOWNLOADING, STATUS_TEXT } from '../share-status.js';
import { EngineWatch } from '../engine-watch.js';
import { watchSlice } from '../slice-controller.js';
import { fields, panel, shareItems } from '../theme.js';
import { filterTransfers, sortTransfers, sparklinePoints, type TransferFilter, type TransferSort } from '../transfers-model.js';
import '../chunk-map.js';

const SPARK_SECONDS = 60;
/** A phone or tablet (touch first): where browsers suspend pages in the background. */
const COARSE_POINTER = matchMedia('(pointer: coarse)').matches;
const DOWNLOADING = new Set<ShareState['status']>(['connecting', 'downloading', 'stalled', 'paused', 'verifying']);

@customElement('shoal-transfers-view')
export class TransfersView extends LitElement {
  static override styles = [
    panel,
    shareItems,
    fields,
    css`
      .controls {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: end;
        margin-bottom: 0.8rem;
      }
      label {
        display: grid;
        gap: 0.2rem;
        font-size: 0.8rem;
        color: var(--muted);
      }
      svg.spark {
        width: 90px;
        height: 20px;
      }
      svg.spark polyline {
        fill: none;
        stroke: var(--neon);
        stroke-width: 1.5;
      }
      .sources {
        font-size: 0.8rem;
        color: var(--muted);
        overflow-wrap: anywhere;
      }
      .count,
      .hint {
        font-size: 0.85rem;
        color: var(--muted);
      }
      .hint {
        margin: 0 0 0.8rem;
      }
    `,
  ];

  @state() private shares: ShareState[] = [];
  @state() private peers: PeerState[] = [];
  @state() private filter: TransferFilter = 'all';
  @state() private sort: TransferSort = 'state';
  @state() private search = '';
  @state() private inspections = new Map<string, DownloadInspection>();
  readonly #watch = new EngineWatch(this, (engine) => {
    void this.#inspect();
    return [
      watchSlice(engine.store, (s) => ({ shares: s.shares, peers: s.peers }), ({ shares, peers }) => {
        this.shares = shares;
        this.peers = peers;
      }),
      engine.stats.onSample(() => void this.#inspect()),
    ];
  });

  /** Chunk maps and contributors of the running downloads (and a re-render for the sparklines). */
  async #inspect(): Promise<void> {
    const engine = this.#watch.engine;
    if (!engine) return;
    const next = new Map<string, DownloadInspection>();
    for (const share of this.shares) {
      if (!DOWNLOADING.has(share.status)) continue;
      const inspection = await engine.inspect(share.id).catch(() => undefined);
      if (inspection) next.set(share.id, inspection);
    }
    this.inspections = next;
  }

  override render() {
    const shown = sortTransfers(filterTransfers(this.shares, this.filter, this.search), this.sort);
    return html`
      <section class="panel" aria-labelledby="transfers-title">
        <h2 id="transfers-title">Transfers</h2>
        ${COARSE_POINTER && this.shares.some((s) => DOWNLOADING.has(s.status) || s.status === 'hashing')
          ? html`<p class="hint">On phones, transfers pause while Shoal is in the background and go on when you come back; the screen stays on while they run.</p>`
          : nothing}
        <div class="controls">
          <label
            >Show
            <select aria-label="Show transfers" @change=${(e: Event) => (this.filter = (e.target as HTMLSelectElement).value as TransferFilter)}>
              <option value="all" ?selected=${this.filter === 'all'}>All</option>
              <option value="active" ?selected=${this.filter === 'active'}>Active</option>
              <option value="done" ?selected=${this.filter === 'done'}>Completed</option>
              <option value="failed" ?selected=${this.filter === 'failed'}>Failed</option>
            </select>
          </label>
          <label
            >Sort by
            <select aria-label="Sort transfers" @change=${(e: Event) => (this.sort = (e.target as HTMLSelectElement).value as TransferSort)}>
              <option value="state" ?selected=${this.sort === 'state'}>State</option>
              <option value="name" ?selected=${this.sort === 'name'}>Name</option>
              <option value="progress" ?selected=${this.sort === 'progress'}>Progress</option>
              <option value="speed" ?selected=${this.sort === 'speed'}>Speed</option>
              <option value="size" ?selected=${this.sort === 'size'}>Size</option>
            </select>
          </label>
          <label
            >Find
            <input type="search" aria-label="Find transfers by name" .value=${this.search} @input=${(e: Event) => (this.search = (e.target as HTMLInputElement).value)} />
          </label>
          <span class="count" aria-live="polite">${shown.length} of ${this.shares.length}</span>
        </div>
        ${shown.length === 0
          ? html`<p class="empty">${this.shares.length === 0 ? 'No transfers yet. Share a file or download one from your room in Files.' : 'No transfer matches.'}</p>`
          : html`<ul class="shares" aria-label="Transfers">
              ${repeat(shown, (share) => share.id, (share) => this.#renderTransfer(share))}
            </ul>`}
      </section>
    `;
  }

  #renderTransfer(share: ShareState) {
    const fraction = share.size === 0 ? 1 : share.bytesDone / share.size;
    const inspection = this.inspections.get(share.id);
    const moving = share.status === 'downloading' || share.status === 'hashing' || share.status === 'connecting';
    const samples = this.#watch.engine?.stats.history.shares.get(share.id)?.toArray().slice(-SPARK_SECONDS) ?? [];
    const url = shareFileUrl(share);
    const act = (action: ShareAction) => () => this.dispatchEvent(new ShareActionEvent(action, share.id));
    return html`<li data-share-id=${share.id} data-status=${share.status} aria-label=${share.name}>
      <div class="row">
        <span class="name">${share.name}</span>
        <span class="status ${share.status}">${STATUS_TEXT[share.status]}</span>
      </div>
      ${inspection && inspection.chunks > 0
        ? html`<shoal-chunk-map .bits=${inspection.bits} .chunks=${inspection.chunks} .percent=${Math.floor(fraction * 100)} label="Chunks of ${share.name}: ${Math.floor(fraction * 100)}% stored"></shoal-chunk-map>`
        : html`<progress max="1" .value=${fraction} aria-label="${STATUS_TEXT[share.status]} ${share.name}"></progress>`}
      <div class="meta">
        <span>${formatBytes(share.bytesDone)} of ${formatBytes(share.size)} (${Math.floor(fraction * 100)}%)</span>
        ${moving
          ? html`<span>${formatSpeed(share.speed)}</span>
              <svg class="spark" viewBox="0 0 90 20" preserveAspectRatio="none" role="img" aria-label="Speed of ${share.name}, last minute">
                <polyline points=${sparklinePoints(samples, 90, 20)}></polyline>
              </svg>
              <span>ETA ${formatDuration(share.etaSeconds)}</span>`
          : nothing}
        ${DOWNLOADING.has(share.status) ? html`<span>${share.sources} peer${share.sources === 1 ? '' : 's'}</span>` : nothing}
        <span class="rooms">${share.rooms.length === 0 ? 'shared in no room' : `in ${share.rooms.map(roomLabel).join(', ')}`}</span>
      </div>
      ${inspection && inspection.sources.length > 0
        ? html`<div class="sources">
            From ${inspection.sources.map((s, i) => html`${i > 0 ? ', ' : ''}${this.#peerName(s.remoteId)} ${formatBytes(s.bytes)}${s.pulling ? '' : ' (gone)'}`)}
          </div>`
        : nothing}
      ${share.error ? html`<div class="error" role="alert">${share.error}</div>` : nothing}
      <div class="actions">
        ${share.status === 'seeding' && !share.files
          ? html`<a class="button" href=${url} target="_blank" rel="noopener" aria-label="Open ${share.name}">Open</a>
              <a class="button" href="${url}?download" aria-label="Save ${share.name}">Save</a>`
          : nothing}
        ${share.status === 'seeding' && share.files ? html`<a class="button" href=${url} aria-label="Save ${share.name} as ZIP">Save .zip</a>` : nothing}
        ${OPENS_WHILE_DOWNLOADING.has(share.status) && !share.files
          ? html`<a class="button" href=${url} target="_blank" rel="noopener" aria-label="Open ${share.name} while it downloads">Open</a>`
          : nothing}
        ${share.status === 'downloading' || share.status === 'connecting' || share.status === 'stalled'
          ? html`<button class="quiet" aria-label="Pause ${share.name}" @click=${act('pause')}>Pause</button>`
          : nothing}
        ${share.status === 'error' && share.id.startsWith('pending-')
            ? html`<button aria-label="Retry ${share.name}" @click=${act('resume')}>Retry</button>`
            : (share.status === 'paused' || share.status === 'stalled' || share.status === 'error') && !share.fromDisk
              ? html`<button aria-label="Resume ${share.name}" @click=${act('resume')}>Resume</button>`
              : nothing}
        ${share.status === 'hashing'
          ? html`<button class="quiet" aria-label="Cancel sharing ${share.name}" @click=${act('remove')}>Cancel</button>`
          : DOWNLOADING.has(share.status)
            ? html`<button class="quiet" aria-label="Cancel ${share.name}" @click=${act('remove')}>Cancel</button>`
            : html`<button class="quiet" aria-label="Remove ${share.name}" @click=${act('remove')}>Remove</button>`}
      </div>
    </li>`;
  }

  #peerName(peerId: string): string {
    return this.peers.find((p) => p.peerId === peerId)?.name || peerId.slice(0, 6);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-transfers-view': TransfersView;
  }
}
