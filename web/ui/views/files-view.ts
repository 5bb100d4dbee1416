/** Files: the drop zone and pickers, this browser's shares (the file manager), the room's files. */
import { ContextConsumer } from '@lit/context';
import { css, html, LitElement } from 'lit';
import { customElement } from 'lit/decorators.js';
import { engineContext } from '../slice-controller.js';
import { viewColumns } from '../theme.js';
import type { ShareFilesEvent } from '../share-drop.js';
import type { DownloadRequestEvent } from '../room-files.js';
import '../share-drop.js';
import '../share-list.js';
import '../room-files.js';

@customElement('shoal-files-view')
export class FilesView extends LitElement {
  static override styles = [
    viewColumns,
    css`
      @media (min-width: 1100px) {
        .side {
          grid-column: 2;
          grid-row: 1 / span 2;
        }
      }
      .side {
        display: grid;
        gap: 1rem;
      }
    `,
  ];

  readonly #engine = new ContextConsumer(this, { context: engineContext });

  override render() {
    return html`
      <shoal-share-drop @share-files=${(e: ShareFilesEvent) => e.sources.forEach((source) => void this.#engine.value?.share(source, undefined, e.room, { private: e.isPrivate }).catch(() => undefined))}></shoal-share-drop>
      <div class="side">
        <shoal-room-files @download-request=${(e: DownloadRequestEvent) => void this.#engine.value?.download(e.shareId)}></shoal-room-files>
      </div>
      <shoal-share-list></shoal-share-list>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-files-view': FilesView;
  }
}
