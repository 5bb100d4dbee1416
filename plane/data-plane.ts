/**
 * The data plane: everything that happens per chunk. Downloads pulling chunks, and the seeder
 * answering requests, run here beside storage. Where data channels can be transferred to a worker
 * (Chromium), the plane runs in the storage worker, so a chunk goes from the network to the disk
 * without passing through the page's main thread or a worker message. Elsewhere it runs on the page
 * and reaches storage through Comlink. The engine drives it through the async methods below and
 * hears back through PlaneEvents. Chunk and byte counts, and each download's status, speed and
 * sources, are sent in batches, every PROGRESS_MS, and at once when a status changes.
 */
import { Bitfield, chunkCount, derivePrivateKeys, encodeMetadata, parsePrivateSecret, type ConnectionFingerprints, type PrivateKeys, type ShareMetadata } from '../protocol/index.js';
import { channelOpened } from './channel-open.js';
import { isError, SourceChangedError, SourcePermissionError, type ChunkStorage } from './chunk-storage.js';
import { Download, type DownloadStatus, type SourceEndReason } from './download.js';
import { SPEED_WINDOW_MS } from './constants.js';
import { SpeedMeter } from './speed-meter.js';

export type { DownloadStatus };
import { NotAuthenticatedError, proveToSeeder } from './private-gate.js';
import { RateLimiter, type RateLimits } from './rate-limiter.js';
import { Seeding } from './seeding.js';
import { ShareStreams } from './share-streams.js';
import { WireChannel } from './wire-channel.js';

export type { ChunkStorage };

/** Counts reach the page at most this often: as often as a progress bar can use them. */
export const PROGRESS_MS = 100;

export class NoSuchDownloadError extends Error {
  override name = 'NoSuchDownloadError';
}

export interface PlaneProgress {
  /**
   * Per download whose counts or status changed: bytes now stored, bytes that landed since the last
   * report, where it stands, its speed (bytes per second over SPEED_WINDOW_MS; 0 unless
   * downloading) and how many peers it pulls from.
   */
  downloads: { shareId: string; bytesDone: number; bytesAdded: number; status: DownloadStatus; speed: number; sources: number }[];
  /** Per peer: verified chunks received from it, and chunks sent to it, since the last report. */
  peers: { remoteId: string; chunksReceived: number; bytesReceived: number; chunksSent: number; bytesSent: number }[];
}

export interface PlaneEvents {
  metadata(shareId: string, meta: ShareMetadata): void;
  progress(progress: PlaneProgress): void;
  sourceEnded(shareId: string, remoteId: string, reason: SourceEndReason, detail: string): void;
  /** The disk filled: the download paused itself (its status says so too); `message` says why. */
  storageFull(shareId: string, message: string): void;
  /** A share seeded from the user's file cannot be read as it was hashed (changed, gone, or no permission): no longer seeded. */
  seedFailed(shareId: string, errorName: string, message: string): void;
  /** A download ended: complete and verified (no error), or failed. */
  finished(shareId: string, error: string | undefined): void;
  /** A channel handed to the plane (by its token) has closed. */
  channelClosed(token: number): void;
  /** A peer asked for a private share and its proof did not match the connection (spec §11). */
  privateRefused(shareId: string, remoteId: string, reason: string): void;
}

type PeerCounts = PlaneProgress['peers'][number];

/** A download seen from outside, for the transfer list: which chunks it holds and who gave them. */
export interface DownloadInspection {
  /** The download's bitfield (chunk i is bit 7 - i % 8 of byte i / 8), or empty before metadata. */
  bits: Uint8Array;
  chunks: number;
  /** Verified bytes each peer gave this download, while it runs; `pulling` when a channel is open. */
  sources: { remoteId: string; bytes: number; pulling: boolean }[];
}

export class DataPlane {
  readonly #downloads = new Map<string, Download>();
  readonly #seeding: Seeding;
  readonly #uploadLimit = new RateLimiter();
  readonly #downloadLimit = new RateLimiter();
  readonly #added = new Map<string, number>();
  /** Downloads whose status may have changed since the last report. */
  readonly #changed = new Set<string>();
  readonly #speeds = new Map<string, SpeedMeter>();
  readonly #peers = new Map<string, PeerCounts>();
  /** Per running download: verified bytes by peer. */
  readonly #given = new Map<string, Map<string, number>>();
  #reportTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #streams: ShareStreams;
  /** Private downloads' keys: every source proves the secret before its HANDSHAKE. */
  readonly #privateKeys = new Map<string, PrivateKeys>();

  constructor(
    private readonly storage: ChunkStorage,
    private readonly events: PlaneEvents,
  ) {
    this.#seeding = new Seeding({
      storage,
      limiter: this.#uploadLimit,
      onUploaded: (remoteId, _shareId, bytes) => {
        const counts = this.#peer(remoteId);
        counts.chunksSent++;
        counts.bytesSent += bytes;
        this.#scheduleReport();
      },
      onReadFailed: (shareId, error) => {
        if (!isError(error, SourceChangedError) && !isError(error, SourcePermissionError)) return;
        if (!this.#seeding.get(shareId)) return;
        this.#seeding.remove(shareId);
        this.events.seedFailed(shareId, error.name, error.message);
      },
    }, (shareId, remoteId, reason) => this.events.privateRefused(shareId, remoteId, reason));
    this.#streams = new ShareStreams({
      share: (shareId) => {
        const share = this.#seeding.get(shareId);
        return share && { size: share.meta.size, bitfield: share.bitfield };
      },
      readBytes: async (shareId, offset, length) => (await storage.readChunks(shareId, [{ offset, length }]))[0]!,
      prioritize: (shareId, key, from, to) => this.#downloads.get(shareId)?.prioritize(key, from, to),
      deprioritize: (shareId, key) => this.#downloads.get(shareId)?.deprioritize(key),
    });
  }

  /** Seeds a complete share; with its `secret`, a private one (spec §11). */
  async seed(shareId: string, meta: ShareMetadata, secret?: string): Promise<void> {
    const keys = secret === undefined ? undefined : await derivePrivateKeys(parsePrivateSecret(secret), shareId);
    this.#seeding.add(shareId, { meta, encodedMetadata: encodeMetadata(meta), bitfield: Bitfield.full(chunkCount(meta.size)) }, keys);
  }

  /** Stops seeding a share and closes the channels that serve it. */
  async unseed(shareId: string): Promise<void> {
    this.#seeding.remove(shareId);
    this.#streams.ended(shareId, 'the share was removed');
  }

  /**
   * Starts a download, or resumes it from what storage holds of it. Sources are added with
   * addSource. With the share's `secret`, a private download: every source proves it, and it is
   * seeded privately.
   */
  async download(shareId: string, secret?: string): Promise<void> {
    if (this.#downloads.has(shareId)) return;
    const resume = await this.storage.partial(shareId);
    if (this.#downloads.has(shareId)) return;
    const keys = secret === undefined ? undefined : await derivePrivateKeys(parsePrivateSecret(secret), shareId);
    if (keys) this.#privateKeys.set(shareId, keys);
    const download: Download = new Download(
      shareId,
      {
        storage: this.storage,
        limiter: this.#downloadLimit,
        events: {
          onMetadata: (meta, encoded) => {
            this.#seeding.add(shareId, { meta, encodedMetadata: encoded, bitfield: download.bitfield! }, keys);
            this.#report();
            this.events.metadata(shareId, meta);
            this.#statusChanged(shareId);
          },
          onChunk: (remoteId, index, bytes) => {
            this.#seeding.announceHave(shareId, index);
            this.#streams.landed(shareId, index);
            this.#added.set(shareId, (this.#added.get(shareId) ?? 0) + bytes);
            this.#speeds.get(shareId)?.add(bytes, performance.now());
            const given = this.#given.get(shareId);
            given?.set(remoteId, (given.get(remoteId) ?? 0) + bytes);
            const counts = this.#peer(remoteId);
            counts.chunksReceived++;
            counts.bytesReceived += bytes;
            this.#scheduleReport();
          },
          onSourcesChanged: () => this.#statusChanged(shareId),
          onSourceEnded: (remoteId, reason, detail) => {
            this.#report();
            this.events.sourceEnded(shareId, remoteId, reason, detail);
          },
          onStorageFull: (message) => {
            this.#statusChanged(shareId);
            this.events.storageFull(shareId, message);
          },
          onVerifying: () => this.#statusChanged(shareId),
        },
      },
      resume,
    );
    this.#downloads.set(shareId, download);
    this.#given.set(shareId, new Map());
    this.#speeds.set(shareId, new SpeedMeter(SPEED_WINDOW_MS));
    this.#statusChanged(shareId);
    if (resume) this.#seeding.add(shareId, { meta: resume.meta, encodedMetadata: encodeMetadata(resume.meta), bitfield: download.bitfield! }, keys);
    download.done.then(
      () => {
        this.#report();
        this.#forget(shareId);
        this.#streams.ended(shareId);
        this.events.finished(shareId, undefined);
      },
      (error: Error) => {
        this.#report();
        this.#forget(shareId);
        this.#seeding.remove(shareId);
        this.#streams.ended(shareId, `the download failed: ${error.message}`);
        this.events.finished(shareId, error.message);
      },
    );
  }

  /**
   * Adds a source to a download over a channel just created for it; resolves once the channel is
   * open and the source added. `token` names the channel in `channelClosed`. For a private download
   * the source first proves the secret, bound to the connection's `fingerprints` (read once the
   * channel is open); NotAuthenticatedError when its proof does not match.
   */
  async addSource(shareId: string, channel: RTCDataChannel, remoteId: string, token: number, fingerprints?: () => Promise<ConnectionFingerprints>): Promise<void> {
    this.#watchClose(channel, token);
    await channelOpened(channel);
    const download = this.#downloads.get(shareId);
    if (!download) {
      channel.close();
      throw new NoSuchDownloadError(`no download of ${shareId.slice(0, 12)}… here`);
    }
    const wire = new WireChannel(channel);
    const keys = this.#privateKeys.get(shareId);
    if (keys) {
      if (!fingerprints) {
        channel.close();
        throw new NotAuthenticatedError('no fingerprints to bind the private share\'s proof to');
      }
      await proveToSeeder(wire, keys, await fingerprints());
      if (this.#downloads.get(shareId) !== download) {
        channel.close();
        throw new NoSuchDownloadError(`no download of ${shareId.slice(0, 12)}… here`);
      }
    }
    download.addSource(wire, remoteId);
  }

  /** Serves a channel a remote peer opened to us; its `fingerprints` bind private shares' proofs. */
  async serve(channel: RTCDataChannel, remoteId: string, token: number, fingerprints?: ConnectionFingerprints): Promise<void> {
    this.#watchClose(channel, token);
    this.#seeding.serve(new WireChannel(channel), remoteId, fingerprints);
  }

  async pause(shareId: string): Promise<void> {
    this.#downloads.get(shareId)?.pause();
    this.#statusChanged(shareId);
  }

  async resume(shareId: string): Promise<void> {
    this.#downloads.get(shareId)?.resume();
    this.#statusChanged(shareId);
  }

  /** Stops a download (what landed stays stored) and forgets it. */
  async stop(shareId: string): Promise<void> {
    this.#downloads.get(shareId)?.stop();
    this.#forget(shareId);
  }

  /**
   * A service worker asks to read a share over `port` (protocol/stream-port.ts): answered with its
   * bytes as they are stored, the chunks just ahead of the reader fetched first.
   */
  async openStream(shareId: string, port: MessagePort): Promise<void> {
    this.#streams.open(shareId, port);
  }

  /** A running download's chunk map and contributors; undefined when no download of it runs. */
  async inspect(shareId: string): Promise<DownloadInspection | undefined> {
    const download = this.#downloads.get(shareId);
    if (!download) return undefined;
    const pulling = new Set(download.sourceIds());
    const given = this.#given.get(shareId) ?? new Map<string, number>();
    for (const remoteId of pulling) if (!given.has(remoteId)) given.set(remoteId, 0);
    return {
      bits: download.bitfield ? download.bitfield.bytes.slice() : new Uint8Array(0),
      chunks: download.bitfield?.length ?? 0,
      sources: [...given].map(([remoteId, bytes]) => ({ remoteId, bytes, pulling: pulling.has(remoteId) })).sort((a, b) => b.bytes - a.bytes),
    };
  }

  #forget(shareId: string): void {
    this.#downloads.delete(shareId);
    this.#privateKeys.delete(shareId);
    this.#given.delete(shareId);
    this.#speeds.delete(shareId);
    this.#changed.delete(shareId);
  }

  async stopAll(): Promise<void> {
    for (const shareId of [...this.#downloads.keys()]) await this.stop(shareId);
  }

  /**
   * Saves every download's progress; returns the counts not reported yet (here, not as an event:
   * events travel on another port, so one could arrive after this answer).
   */
  async flush(): Promise<PlaneProgress | undefined> {
    await Promise.all([...this.#downloads.values()].map((d) => d.flush()));
    return this.#takeProgress();
  }

  async setRateLimits(limits: RateLimits): Promise<void> {
    this.#uploadLimit.rate = limits.upload;
    this.#downloadLimit.rate = limits.download;
  }

  #watchClose(channel: RTCDataChannel, token: number): void {
    channel.addEventListener('close', () => this.events.channelClosed(token), { once: true });
  }

  #peer(remoteId: string): PeerCounts {
    let counts = this.#peers.get(remoteId);
    if (!counts) this.#peers.set(remoteId, (counts = { remoteId, chunksReceived: 0, bytesReceived: 0, chunksSent: 0, bytesSent: 0 }));
    return counts;
  }

  /** A download's status may have changed: reported now, not with the next batch. */
  #statusChanged(shareId: string): void {
    this.#changed.add(shareId);
    this.#report();
  }

  #scheduleReport(): void {
    this.#reportTimer ??= setTimeout(() => this.#report(), PROGRESS_MS);
  }

  /** Sends the counts gathered since the last report, if any. */
  #report(): void {
    const progress = this.#takeProgress();
    if (progress) this.events.progress(progress);
  }

  #takeProgress(): PlaneProgress | undefined {
    clearTimeout(this.#reportTimer);
    this.#reportTimer = undefined;
    if (this.#added.size === 0 && this.#peers.size === 0 && this.#changed.size === 0) return undefined;
    const now = performance.now();
    const downloads: PlaneProgress['downloads'] = [];
    for (const shareId of new Set([...this.#added.keys(), ...this.#changed])) {
      const download = this.#downloads.get(shareId);
      if (!download) continue;
      const status = download.status;
      const speed = status === 'downloading' ? (this.#speeds.get(shareId)?.rate(now) ?? 0) : 0;
      downloads.push({ shareId, bytesAdded: this.#added.get(shareId) ?? 0, bytesDone: download.bytesDone, status, speed, sources: download.sourceCount });
    }
    const peers = [...this.#peers.values()];
    this.#added.clear();
    this.#changed.clear();
    this.#peers.clear();
    return { downloads, peers };
  }
}
