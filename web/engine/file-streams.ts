/**
 * Hands the service worker's requests to read a share still downloading (protocol/stream-port.ts)
 * to the data plane, which answers on the port itself: a window without the share refuses there.
 */
import * as Comlink from 'comlink';
import { streamOpenShareId } from '../../protocol/index.js';
import type { PlaneApi } from './plane-host.js';

/** Starts answering; returns a function that stops. */
export function answerFileStreams(plane: PlaneApi): () => void {
  const container = globalThis.navigator?.serviceWorker;
  if (!container) return () => undefined;
  const onMessage = (event: MessageEvent) => {
    const shareId = streamOpenShareId(event.data);
    const port = event.ports[0];
    if (!shareId || !port) return;
    void plane.openStream(shareId, Comlink.transfer(port, [port])).catch((error: Error) => console.warn(`shoal: a file stream failed to open: ${error.message}`));
  };
  container.addEventListener('message', onMessage);
  // Messages from the service worker wait in a queue until this (addEventListener alone does not start it).
  container.startMessages();
  return () => container.removeEventListener('message', onMessage);
}
