/**
 * The service worker's end of reading a share that is still downloading (protocol/stream-port.ts):
 * find the window whose data plane holds it, then turn its answers into a ReadableStream that pulls
 * only as fast as the consumer reads. Bytes that do not come within a bound are an error, not a hang.
 */
import { parseStreamReply, STREAM_OPEN, type StreamRequest } from '../protocol/index.js';

/** How long windows have to say whether they hold the share. */
export const STREAM_ACCEPT_TIMEOUT_MS = 5_000;
/** How long one pull may wait for its bytes (a chunk still to be fetched from the swarm). */
export const STREAM_STALL_TIMEOUT_MS = 30_000;

/** The bytes asked for did not arrive in time. */
export class StreamStalledError extends Error {
  override name = 'StreamStalledError';
}

/** The plane could not go on (the download failed, the share was removed...). */
export class StreamFailedError extends Error {
  override name = 'StreamFailedError';
}

export interface WindowClient {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

function send(port: MessagePort, request: StreamRequest): void {
  port.postMessage(request);
}

/** Asks every window for a reader of `shareId`; the first to accept wins, the others are told to stop. */
export function findReader(shareId: string, windows: readonly WindowClient[], timeoutMs = STREAM_ACCEPT_TIMEOUT_MS): Promise<MessagePort | undefined> {
  return new Promise((resolve) => {
    const ports: MessagePort[] = [];
    let refusals = 0;
    let settled = false;
    const finish = (winner?: MessagePort) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const port of ports) {
        port.onmessage = null;
        if (port === winner) continue;
        send(port, { type: 'cancel' });
        port.close();
      }
      resolve(winner);
    };
    const timer = setTimeout(() => finish(), timeoutMs);
    for (const window of windows) {
      const channel = new MessageChannel();
      ports.push(channel.port1);
      channel.port1.onmessage = (event: MessageEvent) => {
        if (parseStreamReply(event.data)?.type === 'accept') finish(channel.port1);
        else if (++refusals === windows.length) finish();
      };
      window.postMessage({ type: STREAM_OPEN, shareId }, [channel.port2]);
    }
    if (windows.length === 0) finish();
  });
}

/**
 * Reads bytes [start, end) of the share over `port` (start < end). Resolves once the first bytes are
 * in, so a failure before any byte can still become an HTTP error; the stream then pulls the rest.
 * Throws StreamStalledError or StreamFailedError; the stream errors with them later.
 */
export async function readFromPlane(port: MessagePort, start: number, end: number, stallMs = STREAM_STALL_TIMEOUT_MS): Promise<ReadableStream<Uint8Array>> {
  const replies = new ReplyQueue(port);
  let position = start;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    replies.close();
    send(port, { type: 'cancel' });
    port.onmessage = null;
    port.close();
  };
  const next = async (): Promise<Uint8Array> => {
    send(port, { type: 'pull' });
    try {
      const data = await replies.next(stallMs);
      if (data.byteLength > end - position) throw new StreamFailedError(`the plane sent ${data.byteLength} bytes where ${end - position} were left`);
      position += data.byteLength;
      if (position === end) close();
      return data;
    } catch (error) {
      close();
      throw error;
    }
  };
  send(port, { type: 'read', start, end });
  const first = await next();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(first);
      if (position === end) controller.close();
    },
    async pull(controller) {
      controller.enqueue(await next());
      if (position === end) controller.close();
    },
    cancel: close,
  });
}

/** The plane's answers, one per pull, in order. */
class ReplyQueue {
  readonly #waiting: { resolve: (data: Uint8Array) => void; reject: (error: Error) => void }[] = [];
  #failure: Error | undefined;

  constructor(port: MessagePort) {
    port.onmessage = (event: MessageEvent) => {
      const reply = parseStreamReply(event.data);
      const waiter = this.#waiting.shift();
      if (reply?.type === 'bytes') return waiter?.resolve(reply.data);
      this.#failure = new StreamFailedError(reply?.type === 'error' ? reply.message : 'a malformed answer from the data plane');
      waiter?.reject(this.#failure);
    };
  }

  /** The stream closed: a pull still waiting ends now, not at its stall timeout. */
  close(): void {
    this.#failure ??= new StreamFailedError('the stream was closed');
    for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#failure);
  }

  next(timeoutMs: number): Promise<Uint8Array> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        reject(new StreamStalledError(`the bytes asked for did not arrive within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const waiter = {
        resolve: (data: Uint8Array) => (clearTimeout(timer), resolve(data)),
        reject: (error: Error) => (clearTimeout(timer), reject(error)),
      };
      this.#waiting.push(waiter);
    });
  }
}
