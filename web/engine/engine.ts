/**
 * The transfer engine: the page's one entry point to signaling, peers, shares and downloads. It
 * knows no UI component; the UI subscribes to `store` and calls the methods below.
 */
import * as Comlink from 'comlink';
import { Bitfield, CHANNEL_LABEL, chunkCount, connectionFingerprints, newPrivateSecret, type ServerMessage } from '../../protocol/index.js';
import type { DownloadInspection, PlaneEvents, PlaneProgress } from '../../plane/data-plane.js';
import { isError } from '../../plane/chunk-storage.js';
import { PeerConnectError } from '../../plane/channel-open.js';
import { NotAuthenticatedError } from '../../plane/private-gate.js';
import { ShareImports } from './import-share.js';
import { DiskShares } from './disk-shares.js';
import { restoreStoredShares } from './stored-shares.js';
import { announcedHolders, holdsShare, peerName, reduceRoster } from './room-roster.js';
import { SourceDialer } from './source-dialer.js';
import { LiveStats } from './live-stats.js';
import { IceConfig } from './ice-config.js';
import type { RelayProbe } from './relay-probe.js';
import { IdbTransferLog, MemoryTransferLog, TransferHistory } from './transfer-history.js';
import type { ShareInput } from './share-input.js';
import { PeerConnections } from './peer-connections.js';
import { describeFailure, type PeerLink } from './peer-link.js';
import { SignalingClient } from './signaling-client.js';
import type { EngineComponents, EngineOptions, PeerConnectionsPort, SignalingPort } from './engine-components.js';

export type { EngineComponents, EngineOptions, DownloadInspection };
import { initialState, storedShareState, type EngineState, type RateLimits } from './state.js';
import { roomKeyOf, withRoom, type RoomKey } from './share-rooms.js';
import { Downloads } from './downloads.js';
import { RoomOffers } from './room-offers.js';
import { StateWriter } from './state-writer.js';
import { Store } from './store.js';
import { answerFileStreams } from './file-streams.js';
import { ChannelTokens } from './channel-tokens.js';
import type { PlaneApi } from './plane-host.js';
import { fingerprintsOf, nameOpenedShare, PrivateShares, sealedSignaling } from './private-shares.js';

/** What a browser without WebRTC is told, once at start and when it tries to download. */
export const NO_WEBRTC = 'This browser cannot connect to peers: it has no WebRTC (RTCPeerConnection). Your room and your stored files are shown, but nothing can be downloaded or seeded here. Open Shoal in a current Chromium, Firefox or Safari.';

export class Engine {
  readonly store: Store<EngineState>;
  readonly #state: StateWriter;
  /** What we offer in the room we are in (complete shares and partial downloads). */
  readonly #offers: RoomOffers;
  /** Downloads running, and those waiting for the page to be in their room. */
  readonly #downloads: Downloads;
  /** Shares seeded from the user's own files. */
  readonly #disk: DiskShares;
  /** Shares being hashed and stored: Remove cancels them. */
  readonly #imports: ShareImports;
  /** Channels handed to the data plane, by token: each releases its connection once it closes. */
  readonly #channels = new ChannelTokens();
  #plane!: PlaneApi;
  /** The room asked for (undefined: the room of this address). */
  #room: string | undefined;
  #stopFileStreams: () => void = () => undefined;
  /** Resolves once #plane is set. (Not with the plane: a Comlink proxy must never be awaited.) */
  readonly #planeReady: Promise<void>;
  #resolvePlane!: () => void;
  readonly #peers: PeerConnectionsPort;
  readonly #signaling: SignalingPort;
  #signalingOpened = false;
  readonly #dialer: SourceDialer;
  readonly #ice: IceConfig;
  /** RTT and path per peer in the state, and the 1 Hz stats history the charts draw. */
  readonly stats: LiveStats;
  /** Every download run, kept across reloads, for transfer analytics. */
  readonly transfers: TransferHistory;
  /** Private shares' secrets, and what signaling sees of them (spec §11). */
  readonly #private = new PrivateShares(nameOpenedShare(() => this.#state));

  constructor(
    private readonly components: EngineComponents,
    private readonly options: EngineOptions,
  ) {
    // A stand-in for peer connections (tests) counts as WebRTC; else the browser must have it.
    const webrtc = components.peerConnections !== undefined || typeof globalThis.RTCPeerConnection === 'function';
    this.store = new Store(initialState(options.selfName, options.forceRelay, roomKeyOf(options.room), webrtc));
    this.#state = new StateWriter(this.store);
    this.#imports = new ShareImports(components, this.#state);
    this.#planeReady = new Promise((resolve) => (this.#resolvePlane = resolve));
    this.#offers = new RoomOffers({
      state: this.#state,
      storage: components.storage,
      plane: () => this.#plane,
      planeReady: this.#planeReady,
      secretOf: (shareId) => this.#private.secretOf(shareId),
      // Without WebRTC nothing can be served: the room is not told of shares no one could fetch.
      send: (message) => (this.#state.current.webrtc || message.type !== 'announce-file') && this.#signaling.send(message),
      stopDownload: (shareId) => this.#stopDownload(shareId),
      resumeHere: (shareId) => this.#downloads.waiting.add(shareId),
      forgetResume: (shareId) => this.#downloads.waiting.delete(shareId),
    });
    this.#ice = new IceConfig(this.#state, components.fetch ?? fetch, options.iceServersUrl);
    this.#peers = (components.peerConnections ?? ((o) => new PeerConnections(o)))({
      selfId: () => this.#state.current.selfId,
      rtcConfig: () => this.#ice.current,
      send: (message) => this.#signaling.send(message),
      onChannel: (remoteId, channel, release) => {
        if (channel.label !== CHANNEL_LABEL) {
          channel.close();
          return release();
        }
        // Transferred at once (the data plane may be a worker), so no message can arrive here first.
        void this.#plane.serve(Comlink.transfer(channel, [channel as unknown as Transferable]), remoteId, this.#channels.hold(release), fingerprintsOf(this.#peers.get(remoteId).pc));
      },
      onStateChange: (remoteId, connection) => this.#state.patchPeer(remoteId, { connection }),
      onFailed: (remoteId, reason) => {
        console.warn(`shoal: connection to ${remoteId} failed: ${reason}`);
        this.#state.patchPeer(remoteId, (p) => ({ failures: p.failures + 1, lastFailure: `connection failed: ${reason}` }));
      },
    });
    this.#dialer = new SourceDialer({
      connect: (shareId, remoteId) => this.#connectSource(shareId, remoteId),
      holds: (shareId, remoteId) => holdsShare(this.#state.current, shareId, remoteId),
      onEnded: (shareId, remoteId, reason, detail, banned) => this.#downloads.sourceEnded(shareId, remoteId, reason, detail, banned),
    });
    this.stats = new LiveStats(this.#state, () => this.#peers.stats());
    this.transfers = new TransferHistory(components.transferLog ?? (globalThis.indexedDB ? new IdbTransferLog() : new MemoryTransferLog()));
    this.#room = options.room;
    const signaling = (components.signaling ?? ((o) => new SignalingClient(o)))({
      url: options.signalingUrl,
      name: options.selfName,
      ...(options.room ? { room: options.room } : {}),
      // Private shares: the server sees opaque ids and sealed summaries; the engine sees share ids.
      onMessage: (message) => this.#onSignal(this.#private.incoming(message)),
      onState: (signaling) => {
        const current = this.#state.current;
        const reconnected = signaling === 'open' && this.#signalingOpened;
        if (signaling === 'open') this.#signalingOpened = true;
        this.#state.set({ signaling, ...(reconnected ? { reconnects: current.reconnects + 1 } : {}) });
      },
      log: (msg) => console.warn(`shoal: ${msg}`),
    });
    this.#signaling = sealedSignaling(signaling, this.#private);
    this.#downloads = new Downloads({
      state: this.#state,
      storage: components.storage,
      plane: () => this.#plane,
      planeReady: this.#planeReady,
      dialer: this.#dialer,
      offers: this.#offers,
      transfers: this.transfers,
      privateShares: this.#private,
      send: (message) => this.#signaling.send(message),
      noWebrtc: NO_WEBRTC,
    });
    this.#disk = new DiskShares({ state: this.#state, storage: components.storage, hasher: components.hasher, offers: this.#offers });
  }

  async start(): Promise<void> {
    const { plane, host } = await this.components.openPlane(this.#planeEvents(), this.options.dataPlane);
    this.#plane = plane;
    this.#resolvePlane();
    this.#state.set({ dataPlane: host, storageBackend: await this.components.storage.backend() });
    await plane.setRateLimits(this.#state.current.limits);
    this.#stopFileStreams = answerFileStreams(plane);
    await this.#ice.load();
    await restoreStoredShares({ state: this.#state, storage: this.components.storage, privateShares: this.#private, disk: this.#disk, offers: this.#offers, toResume: this.#downloads.waiting });
    if (!this.#state.current.webrtc) this.#state.set({ notice: NO_WEBRTC });
    globalThis.addEventListener?.('pagehide', () => void this.flush());
    this.stats.start();
    // Not awaited: joining the room does not wait for analytics (load() merges what ends meanwhile).
    void this.transfers.load().catch((error: Error) => console.warn(`shoal: no transfer history: ${error.message}`));
    this.#signaling.connect();
  }

  stop(): void {
    this.#stopFileStreams();
    this.stats.stop();
    void this.#plane?.stopAll();
    this.#downloads.stopAll();
    this.#imports.cancelAll();
    this.#signaling.close();
    this.#peers.dispose();
  }

  /** Persists every download's progress and publishes pending state now. */
  async flush(): Promise<void> {
    const unreported = await this.#plane?.flush();
    if (unreported) this.#onProgress(unreported);
    this.#state.flushNow();
  }

  /**
   * Hashes and stores a file or a folder, and offers it in `room` (by default the room the page is
   * in: announced and seeded there, elsewhere once the page is in that room); resolves with its share
   * id. Remove (or `signal`) cancels it while it hashes.
   */
  async share(source: ShareInput, signal?: AbortSignal, room: RoomKey = this.#state.current.roomKey, options: { private?: boolean } = {}): Promise<string> {
    const { id, meta, fromDisk } = await this.#imports.run(source, [room], signal);
    const existing = this.#state.share(id);
    const rooms = withRoom(existing?.rooms ?? [], room);
    // Private (spec §11): a new secret, unless the share is private already; a public share stays public.
    const secret = existing ? this.#private.secretOf(id) : options.private ? newPrivateSecret() : undefined;
    if (rooms.length > 1 || secret !== undefined) await this.components.storage.setShareRooms(id, rooms, secret); // the import recorded only `room`
    const known = await this.#private.know(id, secret, meta);
    if (!existing) this.#state.putShare({ ...storedShareState(id, meta, 'seeding', 'shared', Bitfield.full(chunkCount(meta.size)), rooms, fromDisk), ...known });
    else this.#state.patchShare(id, { rooms });
    await this.#offers.offer(id, meta);
    return id;
  }

  /** Offers a share in the room the page is in too ("Also share in this room"). */
  async shareHere(shareId: string): Promise<void> {
    await this.#offers.shareHere(shareId);
    if (this.#downloads.waiting.has(shareId)) void this.download(shareId); // already in the room: no welcome to wait for
  }

  /** Stops offering a share in the room the page is in: the room hears it withdrawn; the share stays stored. */
  stopSharingHere(shareId: string): Promise<void> {
    return this.#offers.stopSharingHere(shareId);
  }

  /**
   * Asks the browser for permission to read every share waiting for it (one prompt per file where
   * the browser asks), then checks and seeds them. Call it from the user's click: the browser only
   * asks during one.
   */
  allowSourceAccess(): Promise<void> {
    return this.#disk.allowAccess();
  }

  /** Downloads (or resumes) a share known to the room. */
  download(shareId: string): Promise<void> {
    return this.#downloads.start(shareId);
  }

  /**
   * Moves to `room` (undefined: the room of this address) without a reload; the roster follows the
   * welcome. Only the shares offered in the new room go with it: the others stop being served
   * before the join is sent (and the old room hears us leave, which takes back all we announced),
   * and downloads of another room wait until the page is back there.
   */
  setRoom(room: string | undefined): void {
    // A join re-enters the room even when it is the same one, and the room sees us leave and come
    // back: every peer closes its connection to us. (The shell asks on every popstate, and moving
    // between views by their links fires one.)
    if (room === this.#room) return;
    this.#room = room;
    this.#offers.move(roomKeyOf(room));
    // The views show the new room at once, not a batch later: a file picked in that moment is for it.
    this.#state.flushNow();
    // Connections belong to the room they were made in: none is left for a stranger to ask on.
    this.#peers.closeAll();
    this.#signaling.join(room);
  }

  /** Another display name; peers see it at once, and connections and transfers go on. */
  setName(name: string): void {
    if (name === this.#state.current.selfName) return;
    this.#state.set({ selfName: name });
    this.#signaling.rename(name);
  }

  /**
   * Relay only, or not, from now on. Open connections close and downloads dial their peers again:
   * Chromium kept using its host candidates across an ICE restart after setConfiguration({
   * iceTransportPolicy: 'relay' }) (seen in e2e), so restarting them would not do.
   */
  setRelayOnly(on: boolean): void {
    this.#state.set({ forceRelay: on });
    this.#ice.setRelayOnly(on);
    this.#peers.closeAll();
  }

  /** Sets (or with null, lifts) the upload and download limits, in bytes per second. */
  setRateLimits(limits: RateLimits): void {
    this.#state.set({ limits: { ...limits } });
    void this.#plane?.setRateLimits(limits);
  }

  pause(shareId: string): void {
    this.#downloads.pause(shareId);
  }

  resume(shareId: string): void {
    // A share that failed while it was hashed is tried again from the start (Retry).
    const failedImport = this.#imports.takeFailed(shareId);
    if (failedImport) return void this.share(failedImport.input, undefined, failedImport.rooms[0]).catch(() => undefined);
    if (!this.#downloads.resume(shareId)) void this.download(shareId);
  }

  async remove(shareId: string): Promise<void> {
    if (this.#imports.cancel(shareId)) return; // the import deletes its copy and its entry
    this.#imports.forget(shareId);
    await this.#planeReady;
    const plane = this.#plane;
    if (this.#downloads.stop(shareId)) void this.transfers.ended(shareId, 'removed', this.#state.share(shareId)?.bytesDone ?? 0);
    this.#offers.withdraw(shareId);
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

  /**
   * Whether the TURN relay answers: a test allocation (a relay-only connection gathering its
   * candidates), at most once a minute; the answer is shared by every caller in that minute.
   */
  probeRelay(): Promise<RelayProbe> {
    return this.#ice.probeRelay();
  }

  /** A running download's chunk map and what each peer gave it (undefined when none runs). */
  async inspect(shareId: string): Promise<DownloadInspection | undefined> {
    await this.#planeReady;
    return this.#plane.inspect(shareId);
  }

  /** Per-peer connection statistics (candidate types, RTT), keyed by peer id. */
  connectionStats(): ReturnType<PeerConnections['stats']> {
    return this.#peers.stats();
  }

  /** Opens a channel to a holder and hands it to the data plane; throws why if it cannot. */
  async #connectSource(shareId: string, remoteId: string): Promise<void> {
    let link: PeerLink | undefined;
    try {
      link = this.#peers.get(remoteId);
      const { channel, release } = link.createChannel(CHANNEL_LABEL);
      const fingerprints = Comlink.proxy(async () => connectionFingerprints(link!.pc));
      await this.#plane.addSource(shareId, Comlink.transfer(channel, [channel as unknown as Transferable]), remoteId, this.#channels.hold(release), fingerprints);
      this.transfers.pulledFrom(shareId, peerName(this.#state.current, remoteId));
    } catch (error) {
      if (isError(error, NotAuthenticatedError)) throw error;
      const why = isError(error, PeerConnectError) && link ? `: ${await describeFailure(link.pc)}` : '';
      throw new Error(`could not connect: ${(error as Error).message}${why}`);
    }
  }

  /** Stops a running download (what landed stays): its share left the room the page is in. */
  #stopDownload(shareId: string): void {
    if (this.#downloads.stop(shareId)) void this.#plane.stop(shareId);
  }

  /**
   * A private share link was followed: this page knows its secret now (PrivateLinkError when the
   * link's secret is malformed), so the room's holders of it become visible; they are asked for.
   */
  async expectPrivate(shareId: string, secret: string): Promise<void> {
    await this.#private.add(shareId, secret);
    if (this.#state.current.signaling === 'open') this.#signaling.send({ type: 'request-file', id: shareId });
  }

  /** What the data plane tells the page. */
  #planeEvents(): PlaneEvents {
    return {
      privateRefused: (shareId, remoteId, reason) => {
        this.#state.set({ notice: `${peerName(this.#state.current, remoteId)} asked for your private share ${this.#state.share(shareId)?.name ?? ''} and was refused: ${reason}.` });
      },
      ...this.#downloads.planeEvents(),
      progress: (progress) => this.#onProgress(progress),
      sourceEnded: (shareId, remoteId, reason, detail) => this.#dialer.ended(shareId, remoteId, reason, detail),
      seedFailed: (shareId, _name, message) => void this.#disk.seedFailed(shareId, message),
      channelClosed: (token) => this.#channels.closed(token),
    };
  }

  #onProgress({ downloads, peers }: PlaneProgress): void {
    this.#downloads.progress(downloads);
    this.#state.addPeerCounts(peers);
  }

  #onSignal(message: ServerMessage): void {
    const before = this.#state.current;
    const roster = reduceRoster(before, message);
    if (roster !== before) this.#state.set(roster);
    switch (message.type) {
      case 'welcome':
        // A resumed session keeps our own id; either way the room hears what we hold again.
        if (this.#ice.failed) void this.#ice.load();
        this.#offers.announce(this.#offers.summaries());
        for (const id of this.#downloads.waiting) void this.download(id);
        return;
      case 'peer-left':
        return this.#peers.close(message.peerId);
      case 'offer':
      case 'answer':
      case 'ice-candidate':
        if (!this.#state.current.webrtc) return; // no connection can be made here
        return this.#peers.handleSignal(message);
      case 'announce-file':
      case 'files':
        for (const { peerId, shareId } of announcedHolders(message)) if (this.#downloads.has(shareId)) void this.#dialer.dial(shareId, peerId);
        return;
      case 'error':
        this.#state.set({ notice: `Server: ${message.message}` });
        return;
      default:
        return;
    }
  }
}
