/**
 * Upload and download limits, in MiB/s (empty means none): emits `limits-change` with bytes per
 * second. The settings store keeps the choice (see views/settings-view.ts), so it survives a reload.
 */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RateLimits } from '../engine/state.js';
import { SliceController } from './slice-controller.js';
import { fields, panel } from './theme.js';

const MiB = 1024 * 1024;

export class LimitsChangeEvent extends Event {
  constructor(readonly limits: RateLimits) {
    super('limits-change', { bubbles: true, composed: true });
  }
}

/** Parses what the user typed: a positive number of MiB/s, or empty for no limit; anything else is undefined. */
export function parseLimit(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) && value > 0 && value <= 100_000 ? Math.round(value * MiB) : undefined;
}

@customElement('shoal-rate-limits')
export class RateLimitsPanel extends LitElement {
  static override styles = [
    panel,
    fields,
    css`
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem 1.25rem;
        align-items: end;
      }
      label {
        display: grid;
        gap: 0.25rem;
        color: var(--muted);
        font-size: 0.85rem;
      }
      input {
        width: 7rem;
      }
    `,
  ];

  @property({ attribute: false }) limits: RateLimits = { upload: null, download: null };
  readonly slice = new SliceController(this, (s) => s.limits, (limits) => (this.limits = limits));

  override render() {
    const shown = (bytes: number | null) => (bytes === null ? '' : String(Math.round((bytes / MiB) * 100) / 100));
    return html`
      <section class="panel" aria-labelledby="limits-title">
        <h2 id="limits-title">Speed limits</h2>
        <form @change=${this.#onChange} @submit=${(e: Event) => e.preventDefault()}>
          <label>Upload (MiB/s)<input name="upload" inputmode="decimal" pattern="[0-9]*[.]?[0-9]*" placeholder="no limit" aria-label="Upload limit in MiB/s" .value=${shown(this.limits.upload)} /></label>
          <label>Download (MiB/s)<input name="download" inputmode="decimal" pattern="[0-9]*[.]?[0-9]*" placeholder="no limit" aria-label="Download limit in MiB/s" .value=${shown(this.limits.download)} /></label>
        </form>
      </section>
    `;
  }

  #onChange(event: Event): void {
    const form = event.currentTarget as HTMLFormElement;
    const upload = parseLimit((form.elements.namedItem('upload') as HTMLInputElement).value);
    const download = parseLimit((form.elements.namedItem('download') as HTMLInputElement).value);
    if (upload === undefined || download === undefined) return;
    this.dispatchEvent(new LimitsChangeEvent({ upload, download }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-rate-limits': RateLimitsPanel;
  }
}
