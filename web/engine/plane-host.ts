/** Decides where the data plane runs, the storage worker or the page, and starts it there. */
import * as Comlink from 'comlink';
import type { ChunkStorage } from '../../plane/chunk-storage.js';
import { DataPlane, type PlaneEvents } from '../../plane/data-plane.js';
import type { StorageApi } from './workers.js';

/** Where the data plane runs: in the storage worker, or on the page (see data-plane.ts). */
export type PlaneHost = 'worker' | 'page' | 'process';
export type PlaneApi = Pick<DataPlane, 'seed' | 'unseed' | 'download' | 'addSource' | 'serve' | 'pause' | 'resume' | 'stop' | 'stopAll' | 'flush' | 'setRateLimits' | 'inspect' | 'openStream'>;

/**
 * Starts the data plane in the storage worker if this browser can transfer data channels there (a
 * probe channel is transferred to find out), else, or with `prefer: 'page'`, on the page.
 */
export async function openDataPlane(storage: StorageApi, events: PlaneEvents, prefer: PlaneHost = 'worker'): Promise<{ plane: PlaneApi; host: PlaneHost }> {
  if (prefer === 'worker' && typeof RTCPeerConnection === 'function') {
    const pc = new RTCPeerConnection();
    try {
      const probe = pc.createDataChannel('probe');
      await storage.startPlane(Comlink.proxy(events), Comlink.transfer(probe, [probe as unknown as Transferable]));
      return { plane: storage.plane as unknown as PlaneApi, host: 'worker' };
    } catch (error) {
      console.info(`shoal: data channels stay on the page: ${(error as Error).message}`);
    } finally {
      pc.close();
    }
  }
  return { plane: new DataPlane(acrossTheWorkerBoundary(storage), events), host: 'page' };
}

/**
 * The storage worker as the plane's ChunkStorage from the page: a verified chunk's buffer is
 * transferred to the worker, not copied (the plane hands it over; it knows no transport).
 */
function acrossTheWorkerBoundary(storage: StorageApi): ChunkStorage {
  return {
    partial: (shareId) => storage.partial(shareId),
    allocate: (shareId, meta) => storage.allocate(shareId, meta),
    writeVerifiedChunk: (shareId, index, data) => storage.writeVerifiedChunk(shareId, index, Comlink.transfer(data, [data.buffer])),
    flushProgress: (shareId) => storage.flushProgress(shareId),
    hashStoredShare: (shareId) => storage.hashStoredShare(shareId),
    completeShare: (shareId) => storage.completeShare(shareId),
    removeShare: (shareId) => storage.removeShare(shareId),
    readChunks: (shareId, ranges, reserve, into) => storage.readChunks(shareId, ranges, reserve, into),
  };
}
