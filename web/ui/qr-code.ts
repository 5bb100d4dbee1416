/**
 * A QR code of `text` (a share link) as one SVG path: dark modules on a light square with a quiet
 * zone, so phone cameras read it on the dark theme. Encoding is uqr's (a small, dependency-free
 * encoder); the drawing is a Lit template, so nothing is parsed as markup.
 */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { encode } from 'uqr';
import { qrPath } from './qr-code-path.js';

@customElement('shoal-qr-code')
export class QrCode extends LitElement {
  static override styles = css`
    :host {
      display: inline-block;
      width: 11rem;
      max-width: 100%;
    }
    svg {
      display: block;
      width: 100%;
      height: auto;
      border-radius: 8px;
    }
  `;

  @property() text = '';
  @property() label = 'QR code';

  override render() {
    const qr = encode(this.text, { ecc: 'M', border: 4 });
    return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${qr.size} ${qr.size}" role="img" aria-label=${this.label} shape-rendering="crispEdges">
      <rect width=${qr.size} height=${qr.size} fill="#fff"></rect>
      <path d=${qrPath(qr.data)} fill="#000"></path>
    </svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-qr-code': QrCode;
  }
}
