/**
 * The transfer engine: the page's one entry point to signaling, peers, shares and downloads. It
 * knows no UI component; the UI subscribes to `store` and calls the methods below.
 */
import * as Comlink from 'comlink';
import { Bitfield, CHANNEL_LABEL, chunkCount, type ServerMessage, type ShareMetadata, type ShareSummary } from '../../protocol/index.js';
import { SPEED_WINDOW_MS } from '../../plane/constants.js';
import { RETRY_MAX_MS, RETRY_MIN_MS } from './constants.js';
import type { PlaneEvents, PlaneProgress } from '../../plane/data-plane.js';
import type { SourceEndReason } from '../../plane/download.js';
import { importShare } from './import-share.js';
import { isFolder, sourceName, sourceSize, type ShareSource } from './share-source.js';
import { Links } from './links.js';
import { describeFailure, type PeerLink } from './peer-link.js';
import { SignalingClient } from './signaling-client.js';
import { etaSeconds, SpeedMeter } from '../../plane/speed-meter.js';
import { initialState, newPeer, type EngineState, type RateLimits, type ShareState } from './state.js';
import { StateWriter } from './state-writer.js';
import { Store } from './store.js';
import { openDataPlane, type HasherApi, type PlaneApi, type PlaneHost, type StorageApi } from './workers.js';

export interface EngineComponents {
  hasher: HasherApi;
  storage: StorageApi;
}

/** What the page knows of a download running in the data plane. */
interface DownloadView {
  shareId: string;
  meta: ShareMetadata | undefined;
  paused: boolean;
  /** Peers it pulls from or is connecting to. */
  sources: Set<string>;
  sourceCount: number;
  meter: SpeedMeter;
  finished: (error: string | undefined) => void;
}

export interface EngineOptions {
  signalingUrl: string;
  iceServersUrl: string;
  selfName: string;
  forceRelay: boolean;
  room?: string;
  /** Where the data plane should run (default: the storage worker, or the page where channels cannot move there). */
  dataPlane?: PlaneHost;
}

/** How often per-peer connection stats (RTT, path) are refreshed. */
const STATS_INTERVAL_MS = 2_000;

export class Engine {
  readonly store: Store<EngineState>;
  readonly #state: StateWriter;
  /** What we seed (complete shares and partial downloads), as announced to the room. */
  readonly #seeded = new Map<string, ShareSummary>();
  readonly #downloads = new Map<string, DownloadView>();
  /** Incomplete downloads found in storage, resumed once we are in a room. */
  readonly #toResume = new Set<string>();
  /** Failed attempts per `${shareId}:${peerId}` since the last success: sets the retry backoff. */
  readonly #failures = new Map<string, number>();
  /** Channels handed to the data plane, by token: each releases its connection once it closes. */
  readonly #channelReleases = new Map<number, () => void>();
  #nextChannelToken = 0;
  #plane!: PlaneApi;
  /** Resolves once #plane is set. (Not with the plane: a Comlink proxy must never be awaited.) */
  readonly #planeReady: Promise<void>;
  #resolvePlane!: () => void;
  /** Peers that sent bad data for a share: never asked again for it. */
  readonly #banned = new Set<string>();
  readonly #links: Links;
  readonly #signaling: SignalingClient;
  #rtcConfig: RTCConfiguration = { iceServers: [] };
  #statsTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly components: EngineComponents,
    private readonly options: EngineOptions,
  ) {
    this.store = new Store(initialState(options.selfName, options.forceRelay));
    this.#state = new StateWriter(this.store);
    this.#planeReady = new Promise((resolve) => (this.#resolvePlane = resolve));
    this.#links = new Links({
      selfId: () => this.#state.current.selfId,
      rtcConfig: () => this.#rtcConfig,
      send: (message) => this.#signaling.send(message),
      onChannel: (remoteId, channel, release) => {
        if (channel.label !== CHANNEL_LABEL) {
          channel.close();
          return release();
        }
        // Transferred at once (the data plane may be a worker), so no message can arrive here first.
        void this.#plane.serve(Comlink.transfer(channel, [channel as unknown as Transferable]), remoteId, this.#holdChannel(release));
      },
      onStateChange: (remoteId, connection) => this.#state.patchPeer(remoteId, { connection }),
      onFailed: (remoteId, reason) => {
        console.warn(`shoal: connection to ${remoteId} failed: ${reason}`);
        this.#state.patchPeer(remoteId, (p) => ({ failures: p.failures + 1, lastFailure: `connection failed: ${reason}` }));
      },
    });
    this.#signaling = new SignalingClient({
      url: options.signalingUrl,
      name: options.selfName,
      ...(options.room ? { room: options.room } : {}),
      onMessage: (message) => this.#onSignal(message),
      onState: (signaling) => this.#state.set({ signaling }),
      log: (msg) => console.warn(`shoal: ${msg}`),
    });
  }

  async start(): Promise<void> {
    const { plane, host } = await openDataPlane(this.components.storage, this.#planeEvents(), this.options.dataPlane);
    this.#plane = plane;
    this.#resolvePlane();
    this.#state.set({ dataPlane: host });
    await plane.setRateLimits(this.#state.current.limits);
    await this.#loadIceServers();
    void navigator.storage?.persist?.().catch(() => false);
    for (const record of await this.components.storage.listShares()) {
      const bitfield = new Bitfield(chunkCount(record.meta.size), record.bitfield);
      this.#state.putShare(this.#shareState(record.id, record.meta, record.complete ? 'seeding' : 'paused', record.complete ? 'shared' : 'downloaded', bitfield));
      if (record.complete) await this.#seed(record.id, record.meta);
      else this.#toResume.add(record.id);
    }
    globalThis.addEventListener?.('pagehide', () => void this.flush());
    this.#statsTimer = setInterval(() => void this.#refreshPeerStats(), STATS_INTERVAL_MS);
    this.#signaling.connect();
  }

  stop(): void {
    clearInterval(this.#statsTimer);
    void this.#plane?.stopAll();
    this.#downloads.clear();
    this.#signaling.close();
    this.#links.dispose();
  }

  /** Persists every download's progress and publishes pending state now. */
  async flush(): Promise<void> {
    const unreported = await this.#plane?.flush();
    if (unreported) this.#onProgress(unreported);
    this.#state.flushNow();
  }

  /** Hashes, stores and announces a file or a folder; resolves with its share id. */
  async share(source: ShareSource): Promise<string> {
    const tempId = `pending-${crypto.randomUUID()}`;
    const meter = new SpeedMeter(SPEED_WINDOW_MS);
    let last = 0;
    const size = sourceSize(source);
    this.#state.putShare({ ...this.#blankShare(tempId, sourceName(source), size, isFolder(source) ? '' : source.type), status: 'hashing', origin: 'shared' });
    try {
      const { id, meta } = await importShare(source, this.components, (done) => {
        const now = performance.now();
        meter.add(done - last, now);
        last = done;
        const speed = meter.rate(now);
        this.#state.patchShare(tempId, { bytesDone: done, speed, etaSeconds: etaSeconds(size - done, speed) });
      });
      this.#state.removeShare(tempId);
      const bitfield = Bitfield.full(chunkCount(meta.size));
      await this.#seed(id, meta);
      if (!this.#state.share(id)) this.#state.putShare(this.#shareState(id, meta, 'seeding', 'shared', bitfield));
      this.#announce([{ id, name: meta.name, size: meta.size }]);
      return id;
    } catch (error) {
      this.#state.patchShare(tempId, { status: 'error', error: (error as Error).message });
      throw error;
    }
  }

  /** Downloads (or resumes) a share known to the room. */
  async download(shareId: string): Promise<void> {
    if (this.#downloads.has(shareId) || this.#state.share(shareId)?.status === 'seeding') return;
    this.#toResume.delete(shareId);
    await this.#planeReady;
    const plane = this.#plane;
    const listed = this.#state.current.roomFiles.find((f) => f.id === shareId);
    const stored = await this.components.storage.getShare(shareId);
    const resume = stored && !stored.complete ? { meta: stored.meta, bitfield: stored.bitfield } : undefined;
    let finished!: (error: string | undefined) => void;
    const done = new Promise<void>((resolve, reject) => (finished = (error) => (error === undefined ? resolve() : reject(new Error(error)))));
    const view: DownloadView = { shareId, meta: resume?.meta, paused: false, sources: new Set(), sourceCount: 0, meter: new SpeedMeter(SPEED_WINDOW_MS), finished };
    this.#downloads.set(shareId, view);
    if (resume) this.#seeded.set(shareId, { id: shareId, name: resume.meta.name, size: resume.meta.size });
    const existing = this.#state.share(shareId);
    if (!existing) this.#state.putShare({ ...this.#blankShare(shareId, listed?.name ?? 'unknown', listed?.size ?? 0, ''), origin: 'downloaded', status: 'connecting' });
    else this.#state.patchShare(shareId, { status: 'connecting', error: undefined });
    await plane.download(shareId, resume);

    const holders = listed?.holders ?? [];
    if (holders.length === 0) this.#signaling.send({ type: 'request-file', id: shareId });
    for (const holder of holders) void this.#connectSource(view, holder);

    try {
      await done;
      this.#downloads.delete(shareId);
      this.#state.patchShare(shareId, { status: 'seeding', bytesDone: view.meta!.size, speed: 0, etaSeconds: 0, sources: 0 });
      this.#announce([{ id: shareId, name: view.meta!.name, size: view.meta!.size }]);
    } catch (error) {
      this.#downloads.delete(shareId);
      this.#seeded.delete(shareId);
      this.#state.patchShare(shareId, { status: 'error', error: (error as Error).message, speed: 0 });
    }
  }

  /** Sets (or with null, lifts) the upload and download limits, in bytes per second. */
  setRateLimits(limits: RateLimits): void {
    this.#state.set({ limits: { ...limits } });
    void this.#plane?.setRateLimits(limits);
  }

  pause(shareId: string): void {
    const download = this.#downloads.get(shareId);
    if (download) {
      download.paused = true;
      void this.#plane.pause(shareId);
    }
    this.#state.patchShare(shareId, { status: 'paused', speed: 0, etaSeconds: null });
  }

  resume(shareId: string): void {
    const download = this.#downloads.get(shareId);
    if (!download) return void this.download(shareId);
    download.paused = false;
    void this.#plane.resume(shareId);
    this.#state.patchShare(shareId, { status: download.sourceCount > 0 ? 'downloading' : 'stalled', error: undefined });
  }

  async remove(shareId: string): Promise<void> {
    await this.#planeReady;
    const plane = this.#plane;
    this.#downloads.delete(shareId);
    this.#toResume.delete(shareId);
    this.#seeded.delete(shareId);
    try {
      // The plane lets go of the share before its bytes are deleted.
      await plane.stop(shareId);
      await plane.unseed(shareId);
      if (!shareId.startsWith('pending-')) await this.components.storage.removeShare(shareId);
    } finally {
      // Gone from the state only once gone from storage: a reload right after cannot bring it back.
      this.#state.removeShare(shareId);
    }
  }

  /** Where the service worker serves a stored share: the file, or a folder share as a ZIP. */
  fileUrl(share: Pick<ShareState, 'id' | 'name' | 'files'>): string {
    return `/files/${share.id}/${encodeURIComponent(share.files ? `${share.name}.zip` : share.name)}`;
  }

  /** Where the service worker serves one file of a folder share. */
  folderFileUrl(share: Pick<ShareState, 'id' | 'name'>, path: string): string {
    return `/files/${share.id}/${[share.name, ...path.split('/')].map(encodeURIComponent).join('/')}`;
  }

  /** Per-peer connection statistics (candidate types, RTT), keyed by peer id. */
  connectionStats(): ReturnType<Links['stats']> {
    return this.#links.stats();
  }

  async #connectSource(download: DownloadView, remoteId: string): Promise<void> {
    const key = `${download.shareId}:${remoteId}`;
    if (this.#banned.has(key) || download.sources.has(remoteId)) return;
    download.sources.add(remoteId); // connecting counts: one channel per source
    let link: PeerLink | undefined;
    try {
      link = this.#links.get(remoteId);
      const { channel, release } = link.createChannel(CHANNEL_LABEL);
      await this.#plane.addSource(download.shareId, Comlink.transfer(channel, [channel as unknown as Transferable]), remoteId, this.#holdChannel(release));
      this.#failures.delete(key);
    } catch (error) {
      download.sources.delete(remoteId);
      if (this.#downloads.get(download.shareId) !== download) return;
      const why = (error as Error).name === 'PeerConnectError' && link ? `: ${await describeFailure(link.pc)}` : '';
      this.#onSourceEnded(download, remoteId, 'unreachable', `could not connect: ${(error as Error).message}${why}`);
    }
  }

  /** A token for a channel given to the data plane; `channelClosed(token)` releases its connection. */
  #holdChannel(release: () => void): number {
    const token = this.#nextChannelToken++;
    this.#channelReleases.set(token, release);
    return token;
  }

  #seed(shareId: string, meta: ShareMetadata): Promise<void> {
    this.#seeded.set(shareId, { id: shareId, name: meta.name, size: meta.size });
    return this.#plane.seed(shareId, meta);
  }

  /** What the data plane tells the page. */
  #planeEvents(): PlaneEvents {
    return {
      metadata: (shareId, meta) => {
        const download = this.#downloads.get(shareId);
        if (!download) return;
        download.meta = meta;
        this.#seeded.set(shareId, { id: shareId, name: meta.name, size: meta.size });
        this.#state.patchShare(shareId, { name: meta.name, size: meta.size, type: meta.type, fileHash: meta.fileHash, files: meta.files, status: 'downloading' });
        this.#announce([{ id: shareId, name: meta.name, size: meta.size }]);
      },
      progress: (progress) => this.#onProgress(progress),
      sourcesChanged: (shareId, count) => {
        const download = this.#downloads.get(shareId);
        if (!download) return;
        download.sourceCount = count;
        this.#state.patchShare(shareId, { sources: count, ...(count === 0 && !download.paused ? { status: 'stalled', speed: 0 } : {}) });
      },
      sourceEnded: (shareId, remoteId, reason, detail) => {
        const download = this.#downloads.get(shareId);
        if (!download) return;
        download.sources.delete(remoteId);
        this.#onSourceEnded(download, remoteId, reason, detail);
      },
      storageFull: (shareId, message) => {
        const download = this.#downloads.get(shareId);
        if (download) download.paused = true;
        this.#state.patchShare(shareId, {
          status: 'paused',
          speed: 0,
          etaSeconds: null,
          error: `Paused: ${message}. Everything received so far is kept; free some space, then Resume.`,
        });
      },
      finished: (shareId, error) => this.#downloads.get(shareId)?.finished(error),
      channelClosed: (token) => {
        this.#channelReleases.get(token)?.();
        this.#channelReleases.delete(token);
      },
    };
  }

  #onProgress({ downloads, peers }: PlaneProgress): void {
    const now = performance.now();
    for (const { shareId, bytesDone, bytesAdded } of downloads) {
      const download = this.#downloads.get(shareId);
      if (!download?.meta) continue;
      download.meter.add(bytesAdded, now);
      const speed = download.meter.rate(now);
      this.#state.patchShare(shareId, { bytesDone, speed, etaSeconds: etaSeconds(download.meta.size - bytesDone, speed), status: download.paused ? 'paused' : 'downloading' });
    }
    for (const counts of peers) {
      this.#state.patchPeer(counts.remoteId, (p) => ({
        bytesReceived: p.bytesReceived + counts.bytesReceived,
        chunksReceived: p.chunksReceived + counts.chunksReceived,
        bytesSent: p.bytesSent + counts.bytesSent,
        chunksSent: p.chunksSent + counts.chunksSent,
      }));
    }
  }

  /** A source is gone: ban it for bad data, otherwise retry with backoff while it still holds the share. */
  #onSourceEnded(download: DownloadView, remoteId: string, reason: SourceEndReason, detail: string): void {
    const key = `${download.shareId}:${remoteId}`;
    this.#state.patchPeer(remoteId, (p) => ({ failures: p.failures + (reason === 'closed' ? 0 : 1), lastFailure: detail, ...(reason === 'bad-data' ? { badChunks: p.badChunks + 1 } : {}) }));
    if (reason === 'bad-data' || reason === 'protocol') {
      this.#banned.add(key);
      this.#state.set({ notice: `Stopped using ${this.#peerName(remoteId)} for ${download.meta?.name ?? 'a download'}: ${detail}` });
      return;
    }
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (failures - 1));
    setTimeout(() => {
      const holds = this.#state.current.roomFiles.some((f) => f.id === download.shareId && f.holders.includes(remoteId));
      if (holds && this.#downloads.get(download.shareId) === download) void this.#connectSource(download, remoteId);
    }, delay);
  }

  #onSignal(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        // Peers we still know keep their counters; a resumed session keeps our own id as well.
        this.#state.set({
          selfId: message.peerId,
          room: message.room,
          peers: message.peers.map((p) => ({ ...(this.#state.current.peers.find((known) => known.peerId === p.peerId) ?? newPeer(p.peerId, p.name)), name: p.name })),
          roomFiles: [],
        });
        this.#announce([...this.#seeded.values()]);
        for (const id of this.#toResume) void this.download(id);
        return;
      case 'peer-joined':
        this.#state.set({ peers: [...this.#state.current.peers.filter((p) => p.peerId !== message.peerId), newPeer(message.peerId, message.name)] });
        return;
      case 'peer-left':
        this.#links.close(message.peerId);
        this.#state.set({
          peers: this.#state.current.peers.filter((p) => p.peerId !== message.peerId),
          roomFiles: this.#state.current.roomFiles.map((f) => ({ ...f, holders: f.holders.filter((h) => h !== message.peerId) })).filter((f) => f.holders.length > 0),
        });
        return;
      case 'offer':
      case 'answer':
      case 'ice-candidate':
        return this.#links.handleSignal(message);
      case 'announce-file':
        return this.#addHolders([{ peerId: message.from, shares: message.shares }]);
      case 'files':
        return this.#addHolders(message.holders);
      case 'error':
        this.#state.set({ notice: `Server: ${message.message}` });
        return;
      default:
        return;
    }
  }

  #addHolders(holders: { peerId: string; shares: ShareSummary[] }[]): void {
    const files = new Map(this.#state.current.roomFiles.map((f) => [f.id, { ...f, holders: [...f.holders] }]));
    for (const { peerId, shares } of holders) {
      for (const share of shares) {
        const file = files.get(share.id) ?? { ...share, holders: [] };
        if (!file.holders.includes(peerId)) file.holders.push(peerId);
        files.set(share.id, file);
        const download = this.#downloads.get(share.id);
        if (download) void this.#connectSource(download, peerId);
      }
    }
    this.#state.set({ roomFiles: [...files.values()] });
  }

  #announce(shares: ShareSummary[]): void {
    if (shares.length > 0) this.#signaling.send({ type: 'announce-file', shares });
  }

  async #refreshPeerStats(): Promise<void> {
    const stats = await this.#links.stats();
    for (const [peerId, s] of Object.entries(stats)) this.#state.patchPeer(peerId, { rtt: s.roundTripTime, path: s.localCandidateType });
  }

  async #loadIceServers(): Promise<void> {
    try {
      const response = await fetch(this.options.iceServersUrl);
      const body = (await response.json()) as { iceServers: RTCIceServer[] };
      this.#rtcConfig = { iceServers: body.iceServers, iceTransportPolicy: this.options.forceRelay ? 'relay' : 'all' };
    } catch (error) {
      this.#state.set({ notice: `Could not load ICE servers (${(error as Error).message}); only direct connections will work.` });
    }
  }

  #peerName(peerId: string): string {
    return this.#state.current.peers.find((p) => p.peerId === peerId)?.name || peerId.slice(0, 6);
  }

  #blankShare(id: string, name: string, size: number, type: string): ShareState {
    return { id, name, size, type, fileHash: undefined, files: undefined, origin: 'downloaded', status: 'connecting', bytesDone: 0, speed: 0, etaSeconds: null, sources: 0, error: undefined };
  }

  #shareState(id: string, meta: ShareMetadata, status: ShareState['status'], origin: ShareState['origin'], bitfield: Bitfield): ShareState {
    const bytesDone = bitfield.complete ? meta.size : Math.min(meta.size, bitfield.count * meta.chunkSize);
    return { ...this.#blankShare(id, meta.name, meta.size, meta.type), fileHash: meta.fileHash, files: meta.files, status, origin, bytesDone };
  }
}
