/**
 * What an Engine is built from, and its options. Everything that differs between runtimes is a port
 * here: storage and hashing (the browser's workers, or files on disk and Node's crypto in the
 * headless peer: headless/), where the data plane runs, and the seams tests fill with their own.
 */
import type { SignalingClient, SignalingClientOptions } from './signaling-client.js';
import type { PeerConnections, PeerConnectionsOptions } from './peer-connections.js';
import type { PlaneApi, PlaneHost } from './plane-host.js';
import type { TransferLog } from './transfer-history.js';
import type { PlaneEvents } from '../../plane/data-plane.js';
import type { ShareSource, StoredShare } from '../../workers/share-records.js';
import type { FileHashes } from '../../workers/hasher.worker.js';

/** Hashing a file: every chunk's SHA-256 and the whole file's, with progress; cancelled by job id. */
export interface HasherPort {
  hashFile(file: Blob, jobId: number, onProgress?: (bytesDone: number) => void): Promise<FileHashes>;
  cancel(jobId: number): Promise<void>;
}

/** What the engine asks of storage: share records, and the copies made of files shared without a handle. */
export interface StoragePort {
  /** Where share bytes live, for the views ('opfs', 'indexeddb', or 'disk' in the headless peer). */
  backend(): Promise<StorageBackend>;
  getShare(shareId: string): Promise<StoredShare | undefined>;
  listShares(): Promise<StoredShare[]>;
  putShare(record: StoredShare): Promise<void>;
  setShareRooms(shareId: string, rooms: string[], secret?: string): Promise<void>;
  /** Deletes what storage holds of a share (never a user's own file it was seeded from). */
  removeShare(shareId: string): Promise<void>;
  updateSource(shareId: string, source: ShareSource): Promise<void>;
  forgetReadable(shareId: string): void | Promise<void>;
  /** Copies `file` into storage under a temporary name (returned); commitImport names it for its share. */
  importFile(file: Blob, jobId: number, onProgress?: (bytesDone: number) => void): Promise<string>;
  cancelImport(jobId: number): void | Promise<void>;
  commitImport(tempName: string, shareId: string): Promise<void>;
  discardImport(tempName: string): Promise<void>;
}

export type StorageBackend = 'opfs' | 'indexeddb' | 'disk';

/** Starts the data plane beside storage, telling `events` what happens; says where it runs. */
export type PlaneOpener = (events: PlaneEvents, prefer?: PlaneHost) => Promise<{ plane: PlaneApi; host: PlaneHost }>;

export interface EngineComponents {
  hasher: HasherPort;
  storage: StoragePort;
  openPlane: PlaneOpener;
  // Seams for tests; the browser's own by default.
  signaling?: (options: SignalingClientOptions) => SignalingPort;
  peerConnections?: (options: PeerConnectionsOptions) => PeerConnectionsPort;
  fetch?: typeof fetch;
  transferLog?: TransferLog;
}

export type SignalingPort = Pick<SignalingClient, 'connect' | 'send' | 'close' | 'join' | 'rename'>;
export type PeerConnectionsPort = Pick<PeerConnections, 'get' | 'close' | 'handleSignal' | 'stats' | 'dispose' | 'closeAll'>;

export interface EngineOptions {
  signalingUrl: string;
  iceServersUrl: string;
  selfName: string;
  forceRelay: boolean;
  room?: string;
  /** Where the data plane should run (default: the storage worker, or the page where channels cannot move there). */
  dataPlane?: PlaneHost;
}
