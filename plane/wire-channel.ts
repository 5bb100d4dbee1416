/**
 * A data channel speaking the peer wire format: decodes and validates every incoming frame, and
 * sends with explicit backpressure: send() says whether the caller may go on, drain() waits for
 * `bufferedamountlow` (never a timer). The high-water mark follows the channel's drain rate, so
 * what is queued is a fraction of a second old whatever the link (constants.ts, SEND_BUFFER_MS).
 */
import { decodeFrame, encodeError, WireErrorCode, WireFrameError, type WireMessage } from '../protocol/index.js';
import { CHANNEL_HIGH_WATER, CHANNEL_HIGH_WATER_MIN, SEND_BUFFER_MS } from './constants.js';

/** Messages held while a channel is still "connecting" (a handshake needs one or two). */
const MAX_EARLY_MESSAGES = 64;

export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError';
}

export class WireChannel {
  #onMessage: (message: WireMessage) => void = () => undefined;
  readonly closed: Promise<void>;
  /** Bytes the send buffer may hold: SEND_BUFFER_MS of the last measured drain rate, within bounds. */
  #highWater = CHANNEL_HIGH_WATER_MIN;

  constructor(readonly channel: RTCDataChannel) {
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = this.#highWater / 4;
    this.closed = new Promise((resolve) => channel.addEventListener('close', () => resolve(), { once: true }));
    // A channel just transferred to a worker can deliver its first messages there before its `open`
    // event (its state still "connecting", so no reply could be sent): those wait for `open`.
    let early: MessageEvent[] | undefined;
    if (channel.readyState === 'connecting') {
      early = [];
      channel.addEventListener(
        'open',
        () => {
          const waiting = early!;
          early = undefined;
          for (const event of waiting) if (this.isOpen) this.#receive(event);
        },
        { once: true },
      );
    }
    channel.onmessage = (event: MessageEvent) => {
      if (!early) return this.#receive(event);
      if (early.push(event) > MAX_EARLY_MESSAGES) this.close();
    };
  }

  #receive(event: MessageEvent): void {
    if (!(event.data instanceof ArrayBuffer)) return this.fail(WireErrorCode.BadFrame, 'text frames are not part of the protocol');
    let message: WireMessage | null;
    try {
      message = decodeFrame(event.data);
    } catch (error) {
      if (error instanceof WireFrameError) return this.fail(WireErrorCode.BadFrame, error.message);
      throw error;
    }
    if (message) this.#onMessage(message);
  }

  get isOpen(): boolean {
    return this.channel.readyState === 'open';
  }

  onMessage(handler: (message: WireMessage) => void): void {
    this.#onMessage = handler;
  }

  /** Queues a frame; returns false once the channel is above its high-water mark (then await drain()). */
  send(frame: Uint8Array): boolean {
    if (!this.isOpen) throw new ChannelClosedError('channel is closed');
    this.channel.send(frame as Uint8Array<ArrayBuffer>);
    return this.channel.bufferedAmount < this.#highWater;
  }

  /** Bytes that may be queued before send() says stop (0 when it already has). */
  get room(): number {
    return Math.max(0, this.#highWater - this.channel.bufferedAmount);
  }

  /**
   * Resolves once the send buffer is below a quarter of its high-water mark, or rejects if the
   * channel closes. The buffer drains untouched meanwhile, so the wait measures the channel's rate,
   * and the high-water mark becomes SEND_BUFFER_MS of it (averaged with the last one).
   */
  drain(): Promise<void> {
    const from = this.channel.bufferedAmount;
    if (from <= this.channel.bufferedAmountLowThreshold) return Promise.resolve();
    const startedAt = performance.now();
    return new Promise((resolve, reject) => {
      const done = () => {
        this.channel.removeEventListener('bufferedamountlow', done);
        this.channel.removeEventListener('close', closed);
        const bytesPerMs = (from - this.channel.bufferedAmount) / Math.max(1, performance.now() - startedAt);
        const measured = Math.min(CHANNEL_HIGH_WATER, Math.max(CHANNEL_HIGH_WATER_MIN, bytesPerMs * SEND_BUFFER_MS));
        this.#highWater = Math.round((this.#highWater + measured) / 2);
        this.channel.bufferedAmountLowThreshold = this.#highWater / 4;
        resolve();
      };
      const closed = () => {
        this.channel.removeEventListener('bufferedamountlow', done);
        reject(new ChannelClosedError('channel closed while draining'));
      };
      this.channel.addEventListener('bufferedamountlow', done);
      this.channel.addEventListener('close', closed, { once: true });
    });
  }

  /** Tells the peer why, then closes. */
  fail(code: number, reason: string): void {
    if (this.isOpen) this.channel.send(encodeError(code, reason) as Uint8Array<ArrayBuffer>);
    this.close();
  }

  close(): void {
    this.channel.close();
  }
}
