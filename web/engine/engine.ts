/**
 * The transfer engine: the page's one entry point to signaling, peers, shares and downloads. It
 * knows no UI component; the UI subscribes to `store` and calls the methods below.
 */
import { Bitfield, chunkCount, encodeMetadata, type ServerMessage, type ShareMetadata, type ShareSummary } from '../../protocol/index.js';
import { CHANNEL_LABEL, SPEED_WINDOW_MS } from './constants.js';
import { Download } from './download.js';
import { importShare } from './import-share.js';
import { Links } from './links.js';
import { serveChannel, type SeedableShare } from './seeder.js';
import { SignalingClient } from './signaling-client.js';
import { etaSeconds, SpeedMeter } from './speed-meter.js';
import { initialState, type EngineState, type ShareState } from './state.js';
import { Store } from './store.js';
import { WireChannel } from './wire-channel.js';
import type { HasherApi, StorageApi } from './workers.js';

export interface EngineComponents {
  hasher: HasherApi;
  storage: StorageApi;
}

export interface EngineOptions {
  signalingUrl: string;
  iceServersUrl: string;
  selfName: string;
  forceRelay: boolean;
  room?: string;
}

/** State updates reach the UI at most this often while bytes flow. */
const UI_UPDATE_MS = 200;

export class Engine {
  readonly store: Store<EngineState>;
  readonly #seedable = new Map<string, SeedableShare>();
  readonly #downloads = new Map<string, Download>();
  readonly #meters = new Map<string, SpeedMeter>();
  readonly #links: Links;
  readonly #signaling: SignalingClient;
  #rtcConfig: RTCConfiguration = { iceServers: [] };
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #pending: EngineState | undefined;

  constructor(
    private readonly components: EngineComponents,
    private readonly options: EngineOptions,
  ) {
    this.store = new Store(initialState(options.selfName, options.forceRelay));
    this.#links = new Links({
      selfId: () => this.#current().selfId,
      rtcConfig: () => this.#rtcConfig,
      send: (message) => this.#signaling.send(message),
      onChannel: (remoteId, channel) => this.#onIncomingChannel(remoteId, channel),
      onStateChange: (remoteId, connection) => this.#patchPeer(remoteId, { connection }),
    });
    const signalingOptions: ConstructorParameters<typeof SignalingClient>[0] = {
      url: options.signalingUrl,
      name: options.selfName,
      onMessage: (message) => this.#onSignal(message),
      onState: (signaling) => this.#set({ signaling }),
      log: (msg) => console.warn(`shoal: ${msg}`),
    };
    if (options.room) signalingOptions.room = options.room;
    this.#signaling = new SignalingClient(signalingOptions);
  }

  async start(): Promise<void> {
    await this.#loadIceServers();
    void navigator.storage?.persist?.().catch(() => false);
    for (const record of await this.components.storage.listShares()) {
      const encodedMetadata = encodeMetadata(record.meta);
      const bitfield = new Bitfield(chunkCount(record.meta.size), record.bitfield);
      this.#addShare(this.#shareState(record.id, record.meta, record.complete ? 'seeding' : 'paused', record.complete ? 'shared' : 'downloaded', bitfield));
      if (record.complete) this.#seedable.set(record.id, { meta: record.meta, encodedMetadata, bitfield });
    }
    this.#signaling.connect();
  }

  stop(): void {
    this.#signaling.close();
    this.#links.closeAll();
  }

  /** Hashes, stores and announces a file; resolves with its share id. */
  async share(file: File): Promise<string> {
    const tempId = `pending-${crypto.randomUUID()}`;
    const meter = new SpeedMeter(SPEED_WINDOW_MS);
    let last = 0;
    this.#addShare({ ...this.#blankShare(tempId, file.name, file.size, file.type), status: 'hashing', origin: 'shared' });
    try {
      const imported = await importShare(file, this.components, (done) => {
        meter.add(done - last, performance.now());
        last = done;
        const speed = meter.rate(performance.now());
        this.#patchShare(tempId, { bytesDone: done, speed, etaSeconds: etaSeconds(file.size - done, speed) });
      });
      const { id, meta, encodedMetadata } = imported;
      this.#removeShareState(tempId);
      const bitfield = Bitfield.full(chunkCount(meta.size));
      this.#seedable.set(id, { meta, encodedMetadata, bitfield });
      if (!this.#current().shares.some((s) => s.id === id)) this.#addShare(this.#shareState(id, meta, 'seeding', 'shared', bitfield));
      this.#announce([{ id, name: meta.name, size: meta.size }]);
      return id;
    } catch (error) {
      this.#patchShare(tempId, { status: 'error', error: (error as Error).message });
      throw error;
    }
  }

  /** Downloads (or resumes) a share announced in the room. */
  async download(shareId: string): Promise<void> {
    if (this.#downloads.has(shareId) || this.#seedable.has(shareId)) return;
    const listed = this.#current().roomFiles.find((f) => f.id === shareId);
    const stored = await this.components.storage.getShare(shareId);
    const resume = stored && !stored.complete ? { meta: stored.meta, bitfield: stored.bitfield } : undefined;
    const meter = new SpeedMeter(SPEED_WINDOW_MS);
    this.#meters.set(shareId, meter);
    const download = new Download(shareId, {
      storage: this.components.storage,
      events: {
        onMetadata: (meta, encoded) => {
          void this.components.storage.putShare({ id: shareId, meta, bitfield: download.bitfield!.bytes, complete: false, addedAt: Date.now() });
          this.#seedable.set(shareId, { meta, encodedMetadata: encoded, bitfield: download.bitfield! });
          this.#patchShare(shareId, { name: meta.name, size: meta.size, type: meta.type, fileHash: meta.fileHash, status: 'downloading' });
        },
        onChunk: (remoteId, bytes) => {
          const now = performance.now();
          meter.add(bytes, now);
          const speed = meter.rate(now);
          const size = download.meta!.size;
          this.#patchPeer(remoteId, (p) => ({ bytesReceived: p.bytesReceived + bytes }));
          this.#patchShare(shareId, { bytesDone: download.bytesDone, speed, etaSeconds: etaSeconds(size - download.bytesDone, speed), status: 'downloading' });
        },
        onSourcesChanged: (sources) => this.#patchShare(shareId, { sources, ...(sources === 0 && !download.bitfield?.complete ? { status: 'stalled' } : {}) }),
      },
    }, resume);
    this.#downloads.set(shareId, download);
    if (resume) this.#seedable.set(shareId, { meta: resume.meta, encodedMetadata: encodeMetadata(resume.meta), bitfield: download.bitfield! });
    const existing = this.#current().shares.find((s) => s.id === shareId);
    const base = existing ?? this.#blankShare(shareId, listed?.name ?? 'unknown', listed?.size ?? 0, '');
    if (!existing) this.#addShare({ ...base, origin: 'downloaded', status: 'connecting' });
    else this.#patchShare(shareId, { status: 'connecting', error: undefined });

    const holders = listed?.holders ?? [];
    if (holders.length === 0) this.#signaling.send({ type: 'request-file', id: shareId });
    for (const holder of holders) void this.#connectSource(download, holder);

    try {
      await download.done;
      this.#downloads.delete(shareId);
      this.#patchShare(shareId, { status: 'seeding', bytesDone: download.meta!.size, speed: 0, etaSeconds: 0, sources: 0 });
      this.#announce([{ id: shareId, name: download.meta!.name, size: download.meta!.size }]);
    } catch (error) {
      this.#downloads.delete(shareId);
      this.#seedable.delete(shareId);
      this.#patchShare(shareId, { status: 'error', error: (error as Error).message, speed: 0 });
    }
  }

  async remove(shareId: string): Promise<void> {
    this.#downloads.get(shareId)?.stop();
    this.#downloads.delete(shareId);
    this.#seedable.delete(shareId);
    this.#removeShareState(shareId);
    if (!shareId.startsWith('pending-')) await this.components.storage.removeShare(shareId);
  }

  /** Per-peer connection statistics (candidate types, RTT), keyed by peer id. */
  connectionStats(): ReturnType<Links['stats']> {
    return this.#links.stats();
  }

  /** Where the service worker serves a stored share from. */
  fileUrl(share: Pick<ShareState, 'id' | 'name'>): string {
    return `/files/${share.id}/${encodeURIComponent(share.name)}`;
  }

  async #connectSource(download: Download, remoteId: string): Promise<void> {
    try {
      const channel = await this.#links.get(remoteId).openChannel(CHANNEL_LABEL);
      download.addSource(new WireChannel(channel), remoteId);
    } catch (error) {
      this.#set({ notice: `Could not connect to ${this.#peerName(remoteId)}: ${(error as Error).message}` });
      if (download.sourceCount === 0) this.#patchShare(download.shareId, { status: 'stalled' });
    }
  }

  #onIncomingChannel(remoteId: string, channel: RTCDataChannel): void {
    if (channel.label !== CHANNEL_LABEL) return channel.close();
    const wire = new WireChannel(channel);
    serveChannel(wire, remoteId, {
      storage: this.components.storage,
      findShare: (id) => this.#seedable.get(id),
      onUploaded: (peerId, _shareId, bytes) => this.#patchPeer(peerId, (p) => ({ bytesSent: p.bytesSent + bytes })),
    });
  }

  #onSignal(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.#set({ selfId: message.peerId, room: message.room, peers: message.peers.map((p) => ({ ...p, connection: 'none', bytesSent: 0, bytesReceived: 0 })), roomFiles: [] });
        this.#announce([...this.#seedable.entries()].filter(([id]) => !this.#downloads.has(id)).map(([id, s]) => ({ id, name: s.meta.name, size: s.meta.size })));
        return;
      case 'peer-joined':
        this.#set({ peers: [...this.#current().peers.filter((p) => p.peerId !== message.peerId), { peerId: message.peerId, name: message.name, connection: 'none', bytesSent: 0, bytesReceived: 0 }] });
        return;
      case 'peer-left':
        this.#links.close(message.peerId);
        this.#set({
          peers: this.#current().peers.filter((p) => p.peerId !== message.peerId),
          roomFiles: this.#current().roomFiles.map((f) => ({ ...f, holders: f.holders.filter((h) => h !== message.peerId) })).filter((f) => f.holders.length > 0),
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
        this.#set({ notice: `Server: ${message.message}` });
        return;
      default:
        return;
    }
  }

  #addHolders(holders: { peerId: string; shares: ShareSummary[] }[]): void {
    const files = new Map(this.#current().roomFiles.map((f) => [f.id, { ...f, holders: [...f.holders] }]));
    for (const { peerId, shares } of holders) {
      for (const share of shares) {
        const file = files.get(share.id) ?? { ...share, holders: [] };
        if (!file.holders.includes(peerId)) {
          file.holders.push(peerId);
          const download = this.#downloads.get(share.id);
          if (download) void this.#connectSource(download, peerId);
        }
        files.set(share.id, file);
      }
    }
    this.#set({ roomFiles: [...files.values()] });
  }

  #announce(shares: ShareSummary[]): void {
    if (shares.length > 0) this.#signaling.send({ type: 'announce-file', shares });
  }

  async #loadIceServers(): Promise<void> {
    try {
      const response = await fetch(this.options.iceServersUrl);
      const body = (await response.json()) as { iceServers: RTCIceServer[] };
      this.#rtcConfig = { iceServers: body.iceServers, iceTransportPolicy: this.options.forceRelay ? 'relay' : 'all' };
    } catch (error) {
      this.#set({ notice: `Could not load ICE servers (${(error as Error).message}); only direct connections will work.` });
    }
  }

  #peerName(peerId: string): string {
    return this.#current().peers.find((p) => p.peerId === peerId)?.name || peerId.slice(0, 6);
  }

  #blankShare(id: string, name: string, size: number, type: string): ShareState {
    return { id, name, size, type, fileHash: undefined, origin: 'downloaded', status: 'connecting', bytesDone: 0, speed: 0, etaSeconds: null, sources: 0, error: undefined };
  }

  #shareState(id: string, meta: ShareMetadata, status: ShareState['status'], origin: ShareState['origin'], bitfield: Bitfield): ShareState {
    const bytesDone = bitfield.complete ? meta.size : Math.min(meta.size, bitfield.count * meta.chunkSize);
    return { ...this.#blankShare(id, meta.name, meta.size, meta.type), fileHash: meta.fileHash, status, origin, bytesDone };
  }

  #addShare(share: ShareState): void {
    this.#set({ shares: [...this.#current().shares.filter((s) => s.id !== share.id), share] });
  }

  #removeShareState(id: string): void {
    this.#set({ shares: this.#current().shares.filter((s) => s.id !== id) });
  }

  #patchShare(id: string, patch: Partial<ShareState>): void {
    this.#set({ shares: this.#current().shares.map((s) => (s.id === id ? { ...s, ...patch } : s)) });
  }

  #patchPeer(peerId: string, patch: Partial<EngineState['peers'][number]> | ((p: EngineState['peers'][number]) => Partial<EngineState['peers'][number]>)): void {
    this.#set({ peers: this.#current().peers.map((p) => (p.peerId === peerId ? { ...p, ...(typeof patch === 'function' ? patch(p) : patch) } : p)) });
  }

  #current(): EngineState {
    return this.#pending ?? this.store.state;
  }

  /** Merges a patch; byte counters change thousands of times a second, so the UI sees batches. */
  #set(patch: Partial<EngineState>): void {
    this.#pending = { ...this.#current(), ...patch };
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      const next = this.#pending!;
      this.#pending = undefined;
      this.store.update(() => next);
    }, UI_UPDATE_MS);
  }
}
