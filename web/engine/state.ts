/** The engine's observable state: what the UI renders. Plain data, replaced on every change. */
import type { Bitfield, ShareFile, ShareMetadata } from '../../protocol/index.js';
import type { RateLimits } from '../../plane/rate-limiter.js';
import type { ConnectionState } from './signaling-client.js';
import { NETWORK_ROOM, type RoomKey } from './share-rooms.js';
import type { PlaneHost } from './plane-host.js';
import type { StorageBackend } from './engine-components.js';

/** `needs-access`: a share read from the user's file waits for permission to read it again (after a browser restart). */
export type ShareStatus = 'hashing' | 'seeding' | 'connecting' | 'downloading' | 'verifying' | 'paused' | 'stalled' | 'error' | 'needs-access';

export interface ShareState {
  id: string;
  name: string;
  size: number;
  type: string;
  /** Whole-share SHA-256 once known. */
  fileHash: string | undefined;
  /** A folder share's files (paths inside the folder, sizes); undefined for a single file. */
  files: ShareFile[] | undefined;
  origin: 'shared' | 'downloaded';
  /** Seeded from the user's own file where it lies (by its handle), not from a copy in browser storage. */
  fromDisk: boolean;
  /** The rooms it is offered in (share-rooms.ts): it is announced and served only while the page is in one of them. */
  rooms: RoomKey[];
  /** A private share's secret (spec §11): its link carries it; only peers that prove it can find or fetch the share. */
  secret?: string;
  status: ShareStatus;
  bytesDone: number;
  /** Bytes per second, download or hashing. */
  speed: number;
  etaSeconds: number | null;
  /** Peers this download pulls from. */
  sources: number;
  error: string | undefined;
}

export interface PeerState {
  peerId: string;
  name: string;
  connection: RTCPeerConnectionState | 'none';
  bytesSent: number;
  bytesReceived: number;
  chunksSent: number;
  chunksReceived: number;
  /** Chunks from this peer that failed verification. */
  badChunks: number;
  /** Connections or transfers with this peer that failed, with the last reason. */
  failures: number;
  lastFailure: string | undefined;
  /** Seconds, from the selected ICE candidate pair. */
  rtt: number | undefined;
  /** host, srflx, prflx or relay: how we reach this peer. */
  path: string | undefined;
}

export function newPeer(peerId: string, name: string): PeerState {
  return { peerId, name, connection: 'none', bytesSent: 0, bytesReceived: 0, chunksSent: 0, chunksReceived: 0, badChunks: 0, failures: 0, lastFailure: undefined, rtt: undefined, path: undefined };
}

export interface RoomFile {
  id: string;
  name: string;
  size: number;
  holders: string[];
}

export interface EngineState {
  signaling: ConnectionState;
  /** How often signaling came back after it was open once (this page's lifetime). */
  reconnects: number;
  selfId: string | undefined;
  selfName: string;
  /** The room as the server named it in its welcome (an address room's name is the server's own). */
  room: string | undefined;
  /** The room the user chose, as shares record it: only shares offered in it are announced and served. */
  roomKey: RoomKey;
  peers: PeerState[];
  shares: ShareState[];
  roomFiles: RoomFile[];
  /** Latest user-facing problem, e.g. a failed connection. */
  notice: string | undefined;
  forceRelay: boolean;
  /** The user's rate limits in bytes per second; null means none. */
  limits: RateLimits;
  /** Where chunks are handled: the storage worker, or this page (where channels cannot move). */
  dataPlane: PlaneHost | undefined;
  /** Where share bytes are kept: OPFS, or IndexedDB blocks where OPFS sync access is missing. */
  storageBackend: StorageBackend | undefined;
  /** This browser can make peer connections (RTCPeerConnection exists): without, it can only look. */
  webrtc: boolean;
}

export type { RateLimits };

export const initialState = (selfName: string, forceRelay: boolean, roomKey: RoomKey = NETWORK_ROOM, webrtc = typeof globalThis.RTCPeerConnection === 'function'): EngineState => ({
  signaling: 'closed',
  reconnects: 0,
  selfId: undefined,
  selfName,
  room: undefined,
  roomKey,
  peers: [],
  shares: [],
  roomFiles: [],
  notice: undefined,
  forceRelay,
  limits: { upload: null, download: null },
  dataPlane: undefined,
  storageBackend: undefined,
  webrtc,
});

/** A share the state shows before anything is known of it but its name and size. */
export function blankShare(id: string, name: string, size: number, type: string, rooms: RoomKey[] = []): ShareState {
  return { id, name, size, type, fileHash: undefined, files: undefined, origin: 'downloaded', fromDisk: false, rooms, status: 'connecting', bytesDone: 0, speed: 0, etaSeconds: null, sources: 0, error: undefined };
}

/** A share found in storage (or just stored), with what its bitfield says is done. */
export function storedShareState(id: string, meta: ShareMetadata, status: ShareStatus, origin: ShareState['origin'], bitfield: Bitfield, rooms: RoomKey[], fromDisk = false): ShareState {
  const bytesDone = bitfield.complete ? meta.size : Math.min(meta.size, bitfield.count * meta.chunkSize);
  return { ...blankShare(id, meta.name, meta.size, meta.type, rooms), fileHash: meta.fileHash, files: meta.files, status, origin, bytesDone, fromDisk };
}
