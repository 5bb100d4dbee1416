/**
 * What reached the app from outside and waits for the user's say: batches the share target put in
 * the inbox (a POST any website can send, sw/share-target.ts), and files the OS launched the app
 * with ("Open with Shoal", held as handles in memory). Nothing here is hashed, stored as a share or
 * announced until the user clicks Share; Discard (or Share, once every share holds its own copy)
 * deletes the inbox copy. The shell shows each batch as a question (web/ui/share-tray.ts).
 */
import type { Engine } from '../engine/engine.js';
import type { ShareInput } from '../engine/share-input.js';
import { batchFiles, listInbox, removeBatch, type InboxBatch } from '../../workers/inbox.js';

/** A batch waiting for the user: from the inbox, or launched files (`handles`, never copied). */
export interface WaitingBatch {
  id: string;
  names: string[];
  bytes: number;
  source: { kind: 'inbox'; batch: InboxBatch } | { kind: 'launch'; inputs: ShareInput[] };
}

export class ShareInbox extends EventTarget {
  #waiting: WaitingBatch[] = [];
  #root: Promise<FileSystemDirectoryHandle> | undefined;
  #launches = 0;

  constructor(private readonly getRoot: () => Promise<FileSystemDirectoryHandle> = () => navigator.storage.getDirectory()) {
    super();
  }

  get waiting(): readonly WaitingBatch[] {
    return this.#waiting;
  }

  /** Finds the inbox's complete batches (abandoned ones are deleted on the way). */
  async load(): Promise<void> {
    let batches: InboxBatch[];
    try {
      batches = await listInbox(await this.#rootHandle());
    } catch {
      return; // no OPFS here: nothing can have been shared in
    }
    const known = new Set(this.#waiting.map((w) => w.id));
    for (const batch of batches) {
      if (known.has(batch.id)) continue;
      this.#waiting.push({ id: batch.id, names: batch.files.map((f) => f.name), bytes: batch.bytes, source: { kind: 'inbox', batch } });
    }
    this.#changed();
  }

  /** Files the OS launched the app with: they wait like shared ones. */
  offerLaunched(files: { input: ShareInput; name: string; size: number }[]): void {
    if (files.length === 0) return;
    this.#waiting.push({ id: `launch-${++this.#launches}`, names: files.map((f) => f.name), bytes: files.reduce((sum, f) => sum + f.size, 0), source: { kind: 'launch', inputs: files.map((f) => f.input) } });
    this.#changed();
  }

  /** The user said Share: each file becomes a share in the room the page is in; the inbox copy goes once each share holds its own. */
  async share(id: string, engine: Pick<Engine, 'share'>, options: { private?: boolean } = {}): Promise<void> {
    const waiting = this.#take(id);
    if (!waiting) return;
    if (waiting.source.kind === 'launch') {
      // A failure shows on the share itself (the engine lists it with its reason).
      for (const input of waiting.source.inputs) void engine.share(input, undefined, undefined, options).catch(() => undefined);
      return;
    }
    const root = await this.#rootHandle();
    const files = await batchFiles(root, waiting.source.batch).catch(() => [] as File[]);
    // A File from OPFS reads the file on disk: the batch may go only once every import has its copy.
    const sharing = files.map((file) => engine.share(file, undefined, undefined, options).catch(() => undefined));
    void Promise.allSettled(sharing).then(() => removeBatch(root, id));
  }

  /** The user said Discard: the files are deleted, nothing was shared. */
  async discard(id: string): Promise<void> {
    const waiting = this.#take(id);
    if (waiting?.source.kind === 'inbox') await removeBatch(await this.#rootHandle(), id);
  }

  #take(id: string): WaitingBatch | undefined {
    const waiting = this.#waiting.find((w) => w.id === id);
    this.#waiting = this.#waiting.filter((w) => w.id !== id);
    this.#changed();
    return waiting;
  }

  #rootHandle(): Promise<FileSystemDirectoryHandle> {
    return (this.#root ??= this.getRoot());
  }

  #changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}
