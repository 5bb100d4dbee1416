/** What an Engine is built from (the seams tests fill with their own) and its options. */
import type { SignalingClient, SignalingClientOptions } from './signaling-client.js';
import type { PeerConnections, PeerConnectionsOptions } from './peer-connections.js';
import type { openDataPlane, PlaneHost } from './plane-host.js';
import type { TransferLog } from './transfer-history.js';
import type { HasherApi, StorageApi } from './workers.js';

export interface EngineComponents {
  hasher: HasherApi;
  storage: StorageApi;
  // Seams for tests; the browser's own by default.
  signaling?: (options: SignalingClientOptions) => SignalingPort;
  peerConnections?: (options: PeerConnectionsOptions) => PeerConnectionsPort;
  openPlane?: typeof openDataPlane;
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
