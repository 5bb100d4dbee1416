/** Waiting for a data channel to open, wherever it lives (the page, or a worker it was transferred to). */
import { CONNECT_TIMEOUT_MS } from './constants.js';

export class PeerConnectError extends Error {
  static readonly errorName = 'PeerConnectError';
  override name = PeerConnectError.errorName;
}

/** Resolves once `channel` is open; rejects (and closes it) on error or after `timeoutMs`. */
export function channelOpened(channel: RTCDataChannel, timeoutMs = CONNECT_TIMEOUT_MS): Promise<RTCDataChannel> {
  if (channel.readyState === 'open') return Promise.resolve(channel);
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      channel.removeEventListener('open', opened);
      channel.close();
      reject(error);
    };
    const opened = () => {
      clearTimeout(timer);
      channel.removeEventListener('error', failed);
      channel.removeEventListener('close', failed);
      resolve(channel);
    };
    const failed = () => fail(new PeerConnectError('data channel failed to open'));
    const timer = setTimeout(() => fail(new PeerConnectError(`no connection after ${timeoutMs / 1000} s`)), timeoutMs);
    channel.addEventListener('open', opened, { once: true });
    channel.addEventListener('error', failed, { once: true });
    channel.addEventListener('close', failed, { once: true });
  });
}
