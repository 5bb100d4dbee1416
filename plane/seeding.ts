/**
 * What this browser seeds: complete shares and partial downloads, the channels it serves them on
 * (so a newly verified chunk is announced with HAVE at once), and the one Uploader they share.
 */
import { encodeHave } from '../protocol/index.js';
import { serveChannel, type SeedableShare } from './seed-channel.js';
import { Uploader, type UploaderComponents } from './uploader.js';
import type { WireChannel } from './wire-channel.js';

export class Seeding {
  readonly #shares = new Map<string, SeedableShare>();
  readonly #served = new Map<string, Set<WireChannel>>();
  readonly #uploader: Uploader;

  constructor(components: UploaderComponents) {
    this.#uploader = new Uploader(components);
  }

  add(shareId: string, share: SeedableShare): void {
    this.#shares.set(shareId, share);
  }

  get(shareId: string): SeedableShare | undefined {
    return this.#shares.get(shareId);
  }

  /** Stops seeding: open channels for the share are closed. */
  remove(shareId: string): void {
    this.#shares.delete(shareId);
    for (const wire of this.#served.get(shareId) ?? []) wire.close();
    this.#served.delete(shareId);
  }

  /** Serves a channel a remote peer opened to us. */
  serve(wire: WireChannel, remoteId: string): void {
    serveChannel(wire, remoteId, {
      uploader: this.#uploader,
      findShare: (id) => this.#shares.get(id),
      onServing: (shareId, served) => {
        let set = this.#served.get(shareId);
        if (!set) this.#served.set(shareId, (set = new Set()));
        set.add(served);
        void served.closed.then(() => set.delete(served));
      },
    });
  }

  /** Tells every leecher of the share that we now have chunk `index`. */
  announceHave(shareId: string, index: number): void {
    const frame = encodeHave(index);
    for (const wire of this.#served.get(shareId) ?? []) if (wire.isOpen) wire.send(frame);
  }
}
