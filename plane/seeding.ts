/**
 * What this browser seeds: complete shares and partial downloads, the channels it serves them on
 * (so a newly verified chunk is announced with HAVE at once), and the one Uploader they share.
 */
import { encodeHave, type ConnectionFingerprints, type PrivateKeys } from '../protocol/index.js';
import { serveChannel, type SeedableShare } from './seed-channel.js';
import { Uploader, type UploaderComponents } from './uploader.js';
import type { WireChannel } from './wire-channel.js';

export class Seeding {
  readonly #shares = new Map<string, SeedableShare>();
  readonly #served = new Map<string, Set<WireChannel>>();
  /** Private shares' keys, by opaque id (spec §11). */
  readonly #private = new Map<string, PrivateKeys>();
  readonly #uploader: Uploader;

  constructor(
    components: UploaderComponents,
    /** A downloader's proof of a private share did not match its channel. */
    private readonly onRefused: (shareId: string, remoteId: string, reason: string) => void = () => undefined,
  ) {
    this.#uploader = new Uploader(components);
  }

  /** Seeds a share; with `keys`, a private one, served only where its secret is proven. */
  add(shareId: string, share: SeedableShare, keys?: PrivateKeys): void {
    if (keys) this.#private.set(keys.privateId, keys);
    this.#shares.set(shareId, keys ? { ...share, private: true } : share);
  }

  get(shareId: string): SeedableShare | undefined {
    return this.#shares.get(shareId);
  }

  /** Stops seeding: open channels for the share are closed. */
  remove(shareId: string): void {
    this.#shares.delete(shareId);
    for (const [privateId, keys] of this.#private) if (keys.shareId === shareId) this.#private.delete(privateId);
    for (const wire of this.#served.get(shareId) ?? []) wire.close();
    this.#served.delete(shareId);
  }

  /** Serves a channel a remote peer opened to us; `fingerprints` bind private shares' proofs to it. */
  serve(wire: WireChannel, remoteId: string, fingerprints?: ConnectionFingerprints): void {
    serveChannel(wire, remoteId, {
      uploader: this.#uploader,
      findShare: (id) => this.#shares.get(id),
      proof: { findPrivate: (privateId) => this.#private.get(privateId), fingerprints, onRefused: (shareId, reason) => this.onRefused(shareId, remoteId, reason) },
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
