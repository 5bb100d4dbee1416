/**
 * A signaling WebSocket client for e2e tests: connects to a running server (optionally from another
 * loopback address, or with extra headers), queues every message it receives, waits for one by
 * type, and counts the bytes it sent and received (for amplification figures).
 */
import WebSocket from 'ws';
import type { RunningServer } from './harness.js';

export type Message = Record<string, any>;

export interface SignalingTestClient {
  ws: WebSocket;
  /** Every message received and not yet taken by next(). */
  inbox: Message[];
  /** Takes the first queued message of `type` (of any type without one), waiting up to `timeoutMs`. */
  next: (type?: string, timeoutMs?: number) => Promise<Message>;
  /** Sends a message as JSON, or a string as it is (hostile frames). */
  send: (message: unknown) => void;
  closed: Promise<number>;
  bytes: { sent: number; received: number };
}

export interface ConnectOptions {
  headers?: Record<string, string>;
  /** Local address to connect from: all of 127/8 is loopback, so each test client can be its own "public address". */
  localAddress?: string;
  /** Count bytes only, keep no message (benchmarks that receive hundreds of MB). */
  countOnly?: boolean;
}

export function connectSignaling(server: Pick<RunningServer, 'port'>, options: ConnectOptions = {}): Promise<SignalingTestClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/signaling`, { headers: options.headers ?? {}, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
  const inbox: Message[] = [];
  const wakers: (() => void)[] = [];
  const bytes = { sent: 0, received: 0 };
  ws.on('message', (data: Buffer) => {
    bytes.received += data.length;
    if (options.countOnly) return;
    inbox.push(JSON.parse(String(data)));
    wakers.splice(0).forEach((wake) => wake());
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const next = async (type?: string, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = inbox.findIndex((m) => type === undefined || m.type === type);
      if (at >= 0) return inbox.splice(at, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type ?? 'message'} within ${timeoutMs} ms; inbox: ${JSON.stringify(inbox).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        wakers.push(resolve);
        setTimeout(resolve, Math.min(left, 100));
      });
    }
  };
  const send = (message: unknown) => {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    bytes.sent += Buffer.byteLength(text);
    ws.send(text);
  };
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ ws, inbox, next, send, closed, bytes }));
    ws.on('error', reject);
  });
}
