/** The engine's observable state: what the UI renders. Plain data, replaced on every change. */
import type { ConnectionState } from './signaling-client.js';

export type ShareStatus = 'hashing' | 'seeding' | 'connecting' | 'downloading' | 'verifying' | 'paused' | 'stalled' | 'error';

export interface ShareState {
  id: string;
  name: string;
  size: number;
  type: string;
  /** Whole-file SHA-256 once known. */
  fileHash: string | undefined;
  origin: 'shared' | 'downloaded';
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
}

export interface RoomFile {
  id: string;
  name: string;
  size: number;
  holders: string[];
}

export interface EngineState {
  signaling: ConnectionState;
  selfId: string | undefined;
  selfName: string;
  room: string | undefined;
  peers: PeerState[];
  shares: ShareState[];
  roomFiles: RoomFile[];
  /** Latest user-facing problem, e.g. a failed connection. */
  notice: string | undefined;
  forceRelay: boolean;
}

export const initialState = (selfName: string, forceRelay: boolean): EngineState => ({
  signaling: 'closed',
  selfId: undefined,
  selfName,
  room: undefined,
  peers: [],
  shares: [],
  roomFiles: [],
  notice: undefined,
  forceRelay,
});
