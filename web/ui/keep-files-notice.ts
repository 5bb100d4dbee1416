/**
 * The shell's word on keeping the user's files, and Safari's install hint. Where Safari's 7-day cap
 * applies and files are stored: how to keep them (add the app to the Home Screen or the Dock, or
 * ask for persistent storage), until the user says "Not now". Before anything is stored, on iOS:
 * only how to install. Where files are stored, the browser is asked once per page to keep them.
 */
import { html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { installPlace, type KeepFiles } from '../pwa/keep-files.js';
import type { InstallPrompt } from '../pwa/install-prompt.js';
import { SliceController } from './slice-controller.js';
import { buttons, question } from './theme.js';

@customElement('shoal-keep-files')
export class KeepFilesNotice extends LitElement {
  static override styles = [buttons, question];

  @property({ attribute: false }) keep: KeepFiles | undefined;
  @property({ attribute: false }) install: InstallPrompt | undefined;
  /** How many shares this browser stores (files the browser could clear). */
  readonly slice = new SliceController(this, (s) => s.shares.length);
  readonly #rerender = () => this.requestUpdate();
  #watched: EventTarget[] = [];

  override updated(): void {
    const targets = [this.keep, this.install].filter((t): t is NonNullable<typeof t> => t !== undefined);
    if (targets.some((t, i) => t !== this.#watched[i]) || targets.length !== this.#watched.length) {
      this.#unwatch();
      for (const target of targets) target.addEventListener('change', this.#rerender);
      this.#watched = targets;
      if (this.keep?.persisted === undefined) void this.keep?.check();
    }
    if ((this.slice.value ?? 0) > 0) this.keep?.requestOnce();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unwatch();
  }

  #unwatch(): void {
    for (const target of this.#watched) target.removeEventListener('change', this.#rerender);
    this.#watched = [];
  }

  override render() {
    const keep = this.keep;
    const stored = this.slice.value ?? 0;
    if (keep && stored > 0 && keep.risk === 'safari-7-days' && !keep.dismissed) {
      const place = installPlace(navigator.userAgent);
      return html`<div class="question" role="region" aria-labelledby="keep-title">
        <strong id="keep-title">Safari deletes Shoal's files after 7 days without a visit</strong>
        <span
          >${stored === 1 ? 'Your stored file goes' : `Your ${stored} stored files go`} unless Shoal is on your ${place}
          (${place === 'Home Screen' ? 'tap Share, then “Add to Home Screen”' : 'File, then “Add to Dock”'}) or Safari agrees to keep them.
          ${keep.refused ? 'Safari did not agree: add Shoal to your ' + place + ' to keep them.' : ''}</span
        >
        <span class="choices">
          ${keep.canAsk && !keep.refused ? html`<button @click=${() => void keep.request()}>Keep my files</button>` : nothing}
          <button class="quiet" @click=${() => keep.dismiss()}>Not now</button>
        </span>
      </div>`;
    }
    if (this.install?.state === 'ios-hint') return html`<div class="question" role="note">Install Shoal: tap Share, then “Add to Home Screen”.</div>`;
    return nothing;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-keep-files': KeepFilesNotice;
  }
}
