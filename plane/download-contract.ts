/** What a download needs (storage, the shared rate limit, a clock) and what it tells (events), and where it stands. */
import type { ShareMetadata } from '../protocol/index.js';
import type { ChunkStorage } from './chunk-storage.js';
import type { SourceEndReason } from './leech-channel.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * Where a download stands: fetching its metadata or waiting for its first source (connecting),
 * pulling chunks, without a source (stalled), paused (by the user, or for a full disk), or checking
 * the whole-file SHA-256 once every chunk is in (verifying).
 */
export type DownloadStatus = 'connecting' | 'downloading' | 'stalled' | 'paused' | 'verifying';

export interface DownloadEvents {
  onMetadata: (meta: ShareMetadata, encoded: Uint8Array) => void;
  onChunk: (remoteId: string, index: number, bytes: number) => void;
  onSourcesChanged: (count: number) => void;
  onSourceEnded: (remoteId: string, reason: SourceEndReason, detail: string) => void;
  /** Storage ran out mid-way: the download paused itself; resume() once there is room. */
  onStorageFull: (message: string) => void;
  /** Every chunk is in: the whole-file SHA-256 is being checked (seconds, for gigabytes). */
  onVerifying?: () => void;
}

export interface DownloadComponents {
  storage: ChunkStorage;
  /** The user's download limit, shared by every download: requests wait for it. */
  limiter?: RateLimiter;
  events: DownloadEvents;
  now?: () => number;
}
