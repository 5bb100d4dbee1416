/**
 * A download's chunk map: one row of cells, each as bright as the share of its chunks stored, drawn
 * on a canvas (thousands of chunks would be thousands of elements). Seeded shares are full.
 */
import { css, html, LitElement } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { chunkMapCells } from './transfers-model.js';

const CELLS = 160;

@customElement('shoal-chunk-map')
export class ChunkMap extends LitElement {
  static override styles = css`
    canvas {
      display: block;
      width: 100%;
      height: 10px;
      border-radius: 3px;
      background: rgb(255 255 255 / 0.06);
    }
  `;

  @property({ attribute: false }) bits: Uint8Array = new Uint8Array(0);
  @property({ type: Number }) chunks = 0;
  @property() label = 'Chunk map';
  /** Percent stored: the map is a progress bar to assistive technology (it hears the value, not an image). */
  @property({ type: Number }) percent = 0;
  @query('canvas') private canvas!: HTMLCanvasElement;

  override render() {
    return html`<canvas width=${CELLS * 2} height="10" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${this.percent} aria-label=${this.label}></canvas>`;
  }

  override updated(): void {
    const context = this.canvas.getContext('2d');
    if (!context) return;
    context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const cells = chunkMapCells(this.bits, this.chunks, CELLS);
    const neon = getComputedStyle(this).getPropertyValue('--neon').trim() || '#22d3ee';
    context.fillStyle = neon;
    cells.forEach((fill, c) => {
      if (fill === 0) return;
      context.globalAlpha = 0.25 + 0.75 * fill;
      context.fillRect(c * 2, 0, 2, this.canvas.height);
    });
    context.globalAlpha = 1;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-chunk-map': ChunkMap;
  }
}
