/**
 * The page's side of downloads: starting one (or resuming it from what is stored), the sources it
 * dials, what the data plane reports of it (metadata, status, progress, speed and sources, a full
 * disk, the end), pausing, and the downloads that wait for the page to be in their room. The data
 * plane does the per-chunk work and knows where each download stands; this puts it in the state.
 */
import type { PlaneEvents, PlaneProgress } from '../../plane/data-plane.js';
import type { SourceEndReason } from '../../plane/download.js';
import { etaSeconds } from '../../plane/speed-meter.js';
import type { ClientMessage } from '../../protocol/index.js';
import type { PlaneApi } from './plane-host.js';
import type { PrivateShares } from './private-shares.js';
import type { RoomOffers } from './room-offers.js';
import { peerName } from './room-roster.js';
import { withRoom } from './share-rooms.js';
import type { SourceDialer } from './source-dialer.js';
import { blankShare } from './state.js';
import type { StateWriter } from './state-writer.js';
import type { TransferHistory } from './transfer-history.js';
import type { StoragePort } from './engine-components.js';
import type { StoredShare } from '../../workers/share-records.js';

/** A download running in the data plane (which knows where it stands): what ends it here. */
interface Running {
  /** Aborted when the download ends or is removed: stops its dialing and retries. */
  abort: AbortController;
  finished: (error: string | undefined) => void;
}

export interface DownloadsParts {
  state: StateWriter;
  storage: Pick<StoragePort, 'getShare' | 'setShareRooms'>;
  /** The data plane, once started. */
  plane: () => PlaneApi;
  planeReady: Promise<void>;
  dialer: Pick<SourceDialer, 'open' | 'dial'>;
  offers: Pick<RoomOffers, 'offerDownload' | 'announce' | 'withdraw'>;
  transfers: Pick<TransferHistory, 'started' | 'named' | 'ended'>;
  /** Private downloads' secrets; `know` seals a private share's summary for the room. */
  privateShares: Pick<PrivateShares, 'secretOf' | 'know'>;
  send: (message: ClientMessage) => void;
  /** The notice the page shows when a browser without WebRTC tries to download. */
  noWebrtc: string;
}

export class Downloads {
  readonly #running = new Map<string, Running>();
  readonly #starting = new Set<string>();
  /** Incomplete downloads found in storage (or whose room the page came back to): resumed in the room. */
  readonly waiting = new Set<string>();

  constructor(private readonly parts: DownloadsParts) {}

  has(shareId: string): boolean {
    return this.#running.has(shareId);
  }

  /** Downloads (or resumes) a share known to the room; resolves when it has ended (complete, failed or stopped). */
  async start(shareId: string): Promise<void> {
    const { state, storage, dialer, offers, transfers } = this.parts;
    if (this.#running.has(shareId) || this.#starting.has(shareId) || state.share(shareId)?.status === 'seeding') return;
    if (!state.current.webrtc) return void state.set({ notice: this.parts.noWebrtc });
    this.waiting.delete(shareId);
    // Starting takes a few awaits: a second start meanwhile (a click, the room's welcome) does nothing.
    this.#starting.add(shareId);
    let plane: PlaneApi, stored: StoredShare | undefined, rooms: string[];
    try {
      await this.parts.planeReady;
      plane = this.parts.plane();
      stored = await storage.getShare(shareId);
      // A download seeds in the room it came from (and in the rooms it was offered in before).
      rooms = withRoom(state.share(shareId)?.rooms ?? stored?.rooms ?? [], state.current.roomKey);
      await storage.setShareRooms(shareId, rooms, this.parts.privateShares.secretOf(shareId));
    } finally {
      this.#starting.delete(shareId);
    }
    const listed = state.current.roomFiles.find((f) => f.id === shareId);
    const secret = this.parts.privateShares.secretOf(shareId);
    let finished!: (error: string | undefined) => void;
    const done = new Promise<void>((resolve, reject) => (finished = (error) => (error === undefined ? resolve() : reject(new Error(error)))));
    const view: Running = { abort: new AbortController(), finished };
    this.#running.set(shareId, view);
    dialer.open(shareId, view.abort.signal);
    if (stored && !stored.complete) offers.offerDownload(shareId, stored.meta, false); // announced with the others after the welcome
    const existing = state.share(shareId);
    if (!existing) state.putShare({ ...blankShare(shareId, listed?.name ?? 'unknown', listed?.size ?? 0, '', rooms), origin: 'downloaded', status: 'connecting', ...(secret ? { secret } : {}) });
    else state.patchShare(shareId, { status: 'connecting', error: undefined, rooms });
    await plane.download(shareId, secret); // resumed from what storage holds
    const begun = state.share(shareId)!;
    transfers.started(shareId, begun.name, begun.size, begun.bytesDone);

    const holders = listed?.holders ?? [];
    if (holders.length === 0) this.parts.send({ type: 'request-file', id: shareId });
    for (const holder of holders) void dialer.dial(shareId, holder);

    try {
      await done;
      this.#running.delete(shareId);
      view.abort.abort();
      const { name, size } = state.share(shareId)!; // from the verified metadata
      state.patchShare(shareId, { status: 'seeding', bytesDone: size, speed: 0, etaSeconds: 0, sources: 0 });
      state.flushNow(); // the end shows at once, not at the next batch of progress
      offers.announce([{ id: shareId, name, size }]);
      void transfers.ended(shareId, 'finished', size);
    } catch (error) {
      if (this.#running.get(shareId) === view) this.#running.delete(shareId);
      view.abort.abort();
      // A share that failed (its whole-file check, say) is no longer offered: the room hears it at once.
      offers.withdraw(shareId);
      state.patchShare(shareId, { status: 'error', error: (error as Error).message, speed: 0 });
      state.flushNow();
      void transfers.ended(shareId, 'failed', state.share(shareId)?.bytesDone ?? 0, (error as Error).message);
    }
  }

  pause(shareId: string): void {
    if (this.#running.has(shareId)) void this.parts.plane().pause(shareId);
    // Shown at once; the plane's report of its status follows.
    this.parts.state.patchShare(shareId, { status: 'paused', speed: 0, etaSeconds: null });
  }

  /** Resumes a running download (the plane reports where it then stands); false when none runs (the caller starts one). */
  resume(shareId: string): boolean {
    if (!this.#running.has(shareId)) return false;
    this.parts.state.patchShare(shareId, { error: undefined });
    void this.parts.plane().resume(shareId);
    return true;
  }

  /** Stops a running download (what landed stays) and forgets it; true if one ran. */
  stop(shareId: string): boolean {
    const download = this.#running.get(shareId);
    this.waiting.delete(shareId);
    if (!download) return false;
    download.abort.abort();
    this.#running.delete(shareId);
    return true;
  }

  stopAll(): void {
    for (const download of this.#running.values()) download.abort.abort();
    this.#running.clear();
  }

  /** The share's name for a message: from its verified metadata (in the state), else what the room said. */
  nameOf(shareId: string): string {
    return this.parts.state.share(shareId)?.name ?? 'a download';
  }

  /** What the data plane tells the page of downloads. */
  planeEvents(): Pick<PlaneEvents, 'metadata' | 'storageFull' | 'finished'> {
    const { state } = this.parts;
    return {
      metadata: (shareId, meta) => {
        if (!this.#running.has(shareId)) return;
        this.parts.transfers.named(shareId, meta.name, meta.size);
        state.patchShare(shareId, { name: meta.name, size: meta.size, type: meta.type, fileHash: meta.fileHash, files: meta.files });
        // A private download is announced once its summary is sealed.
        void this.parts.privateShares.know(shareId, this.parts.privateShares.secretOf(shareId), meta).then(() => this.parts.offers.offerDownload(shareId, meta, true));
      },
      storageFull: (shareId, message) => {
        state.patchShare(shareId, { status: 'paused', speed: 0, etaSeconds: null, error: `Paused: ${message}. Everything received so far is kept; free some space, then Resume.` });
      },
      finished: (shareId, error) => this.#running.get(shareId)?.finished(error),
    };
  }

  /** Where each download stands, as the data plane reports it: bytes, status, speed, ETA and sources. */
  progress(downloads: PlaneProgress['downloads']): void {
    for (const { shareId, bytesDone, status, speed, sources } of downloads) {
      const share = this.#running.has(shareId) ? this.parts.state.share(shareId) : undefined;
      if (!share) continue;
      const eta = status === 'downloading' ? etaSeconds(share.size - bytesDone, speed) : null;
      this.parts.state.patchShare(shareId, { bytesDone, speed, etaSeconds: eta, status, sources });
    }
  }

  /** A source is gone (the dialer decides whether to try it again): counted, and said when it is banned. */
  sourceEnded(shareId: string, remoteId: string, reason: SourceEndReason, detail: string, banned: boolean): void {
    const { state } = this.parts;
    state.patchPeer(remoteId, (p) => ({ failures: p.failures + (reason === 'closed' ? 0 : 1), lastFailure: detail, ...(reason === 'bad-data' ? { badChunks: p.badChunks + 1 } : {}) }));
    if (banned) state.set({ notice: `Stopped using ${peerName(state.current, remoteId)} for ${this.nameOf(shareId)}: ${detail}` });
  }
}
