/**
 * Drop zone, "Share files" and "Share a folder": emits `share-files` with what to share. Each loose
 * file becomes its own share; each folder (dropped, or picked) becomes one multi-file share. Where
 * the browser gives a file's handle (a drop, or the File System Access picker behind "Share files"),
 * the file goes with its handle, so it is seeded from disk rather than copied.
 */
import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { foldersFromPicked, type FolderInput, type ShareInput } from '../engine/share-input.js';
import { fields, panel } from './theme.js';
import { SliceController } from './slice-controller.js';
import { NETWORK_ROOM, roomLabel, withRoom, type RoomKey } from '../engine/share-rooms.js';

export class ShareFilesEvent extends Event {
  constructor(
    readonly sources: ShareInput[],
    /**
     * The room chosen to offer them in where the user has several; undefined: the room the page is
     * in when the engine takes them (what this view last drew may be a moment behind a room change).
     */
    readonly room: RoomKey | undefined,
    /** Private shares (spec §11): only people with their link can see or fetch them. */
    readonly isPrivate = false,
  ) {
    super('share-files', { bubbles: true, composed: true });
  }
}

function readAllEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    // readEntries returns at most ~100 entries per call; an empty batch means the end.
    const next = () => reader.readEntries((batch) => (batch.length === 0 ? resolve(all) : (all.push(...batch), next())), reject);
    next();
  });
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** Walks a dropped directory into a folder source (paths relative to it). */
async function folderFromEntry(root: FileSystemDirectoryEntry): Promise<FolderInput> {
  const files: FolderInput['files'] = [];
  const walk = async (dir: FileSystemDirectoryEntry, prefix: string): Promise<void> => {
    for (const entry of await readAllEntries(dir.createReader())) {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory) await walk(entry as FileSystemDirectoryEntry, path);
      else if (entry.isFile) files.push({ path, file: await entryFile(entry as FileSystemFileEntry) });
    }
  };
  await walk(root, '');
  return { name: root.name, files };
}

@customElement('shoal-share-drop')
export class ShareDrop extends LitElement {
  static override styles = [
    panel,
    fields,
    css`
      label.private {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        width: fit-content;
        margin: 0.2rem auto 0.6rem;
        text-align: left;
        font-size: 0.85rem;
        color: var(--muted);
      }
      label.room {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        color: var(--muted);
        font-size: 0.85rem;
      }
      .zone {
        display: grid;
        place-items: center;
        gap: 0.75rem;
        min-height: 9rem;
        border: 2px dashed rgb(34 211 238 / 0.35);
        border-radius: 14px;
        text-align: center;
        transition: background 0.15s, border-color 0.15s;
      }
      .zone.over {
        border-color: var(--neon);
        background: rgb(34 211 238 / 0.08);
      }
      p {
        margin: 0;
        color: var(--muted);
      }
      input[type="file"] {
        display: none;
      }
      .buttons {
        display: flex;
        flex-wrap: wrap;
        justify-content: center;
        gap: 0.5rem;
      }
    `,
  ];

  @state() private over = false;
  /** The rooms the user's shares are offered in, and the page's own; a choice where there are several. */
  @state() private rooms: RoomKey[] = [NETWORK_ROOM];
  @state() private here: RoomKey = NETWORK_ROOM;
  /** The room chosen in the select (undefined: the page's own). */
  @state() private chosen: RoomKey | undefined;
  /** The next files are private shares. */
  @state() private privately = false;
  readonly slice = new SliceController(
    this,
    (s) => ({ here: s.roomKey, rooms: JSON.stringify(s.shares.reduce((known, share) => share.rooms.reduce(withRoom, known), [s.roomKey])) }),
    ({ here, rooms }) => {
      if (here !== this.here) this.chosen = undefined;
      this.here = here;
      this.rooms = JSON.parse(rooms) as RoomKey[];
    },
  );

  #share(sources: ShareInput[]): void {
    const room = this.chosen !== undefined && this.chosen !== this.here && this.rooms.includes(this.chosen) ? this.chosen : undefined;
    this.dispatchEvent(new ShareFilesEvent(sources, room, this.privately));
  }

  override render() {
    return html`
      <section class="panel" aria-labelledby="share-title">
        <h2 id="share-title">Share</h2>
        <div
          class="zone ${this.over ? 'over' : ''}"
          @dragover=${this.#onDragOver}
          @dragleave=${() => (this.over = false)}
          @drop=${this.#onDrop}
        >
          <p>Drop files or folders here to share them with your room</p>
          ${this.rooms.length > 1
            ? html`<label class="room">Share in
                <select aria-label="Room to share in" @change=${(e: Event) => (this.chosen = (e.target as HTMLSelectElement).value)}>
                  ${this.rooms.map((room) => html`<option value=${room} ?selected=${room === (this.chosen ?? this.here)}>${room === this.here ? `this room (${roomLabel(room)})` : roomLabel(room)}</option>`)}
                </select>
              </label>`
            : ''}
          <label class="private">
            <input type="checkbox" .checked=${this.privately} @change=${(e: Event) => (this.privately = (e.target as HTMLInputElement).checked)} />
            Private: only people with its link can find or download it
          </label>
          <div class="buttons">
            <button @click=${this.#pickFiles}>Share files</button>
            <button class="quiet" @click=${() => this.renderRoot.querySelector<HTMLInputElement>('input.folder')!.click()}>Share a folder</button>
          </div>
          <input class="files" type="file" multiple aria-label="Share files" @change=${this.#onPick} />
          <input class="folder" type="file" webkitdirectory aria-label="Share a folder" @change=${this.#onPickFolder} />
        </div>
      </section>
    `;
  }

  #onDragOver(event: DragEvent): void {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    this.over = true;
  }

  async #onDrop(event: DragEvent): Promise<void> {
    event.preventDefault();
    this.over = false;
    const transfer = event.dataTransfer;
    if (!transfer) return;
    // Entries and handles must be asked for synchronously, before the drop event's data store is gone.
    const items = [...transfer.items];
    const entries = items.map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null));
    const handles = items.map((item) => (item.kind === 'file' ? (item.getAsFileSystemHandle?.().catch(() => null) ?? null) : null));
    const looseFiles = [...transfer.files];
    const sources: ShareInput[] = [];
    for (const [i, entry] of entries.entries()) {
      if (entry?.isDirectory) sources.push(await folderFromEntry(entry as FileSystemDirectoryEntry));
      else if (looseFiles[i]) {
        const handle = await handles[i];
        sources.push(handle instanceof FileSystemFileHandle ? { handle, file: looseFiles[i] } : looseFiles[i]);
      }
    }
    if (entries.length === 0) sources.push(...looseFiles);
    if (sources.length > 0) this.#share(sources);
  }

  /** The File System Access picker where there is one (its files come with handles), else the plain file input. */
  async #pickFiles(): Promise<void> {
    const input = this.renderRoot.querySelector<HTMLInputElement>('input.files')!;
    if (!window.showOpenFilePicker) return input.click();
    let handles: FileSystemFileHandle[];
    try {
      handles = await window.showOpenFilePicker({ multiple: true, id: 'shoal-share' });
    } catch (error) {
      if ((error as Error).name === 'AbortError') return; // the user closed the picker
      return input.click();
    }
    const sources = await Promise.all(handles.map(async (handle) => ({ handle, file: await handle.getFile() })));
    if (sources.length > 0) this.#share(sources);
  }

  #onPick(event: Event): void {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length > 0) this.#share(files);
  }

  #onPickFolder(event: Event): void {
    const input = event.target as HTMLInputElement;
    const folders = foldersFromPicked([...(input.files ?? [])]);
    input.value = '';
    if (folders.length > 0) this.#share(folders);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-share-drop': ShareDrop;
  }
}
