/**
 * A stand-in for an RTCDataChannel in unit tests: open, records every frame sent to it decoded
 * (copying first, as RTCDataChannel.send does), and `deliver` plays a frame from the far end.
 */
import { decodeFrame, type WireMessage } from '../../protocol/index.js';

export class RecordingChannel extends EventTarget {
  readyState: RTCDataChannelState = 'open';
  binaryType = 'arraybuffer';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  onmessage: ((event: MessageEvent) => void) | null = null;
  readonly sent: WireMessage[] = [];

  send(frame: Uint8Array): void {
    this.sent.push(decodeFrame(frame.slice().buffer)!);
  }

  close(): void {
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }

  deliver(frame: Uint8Array): void {
    this.onmessage?.({ data: frame.slice().buffer } as MessageEvent);
  }
}
