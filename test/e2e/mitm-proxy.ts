/**
 * A malicious Shoal server for tests: an HTTP and WebSocket proxy in front of the real server that
 * serves the app as it is, but takes the offers, answers and ICE candidates two chosen peers send
 * each other and hands them to a "man in the middle" instead, who answers each peer in the other's
 * name with his own SDP (his own DTLS certificates). What a compromised signaling server can do.
 */
import { request, createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { freeTcpPort, type RunningServer } from './harness.js';

type Message = Record<string, unknown> & { type: string };

interface Client {
  peerId: string | undefined;
  /** Sends a message to the browser as if the server had. */
  inject: (message: Message) => void;
}

export interface MitmProxy {
  url: string;
  port: number;
  /** Diverts the signaling between these two peers to `onDiverted` (from: the peer that sent it). */
  intercept: (a: string, b: string, onDiverted: (from: string, to: string, message: Message) => void) => void;
  /** Sends `message` to peer `to` as if peer `from` had sent it through the server. */
  deliver: (to: string, from: string, message: Message) => void;
  stop: () => Promise<void>;
}

export async function startMitmProxy(target: RunningServer): Promise<MitmProxy> {
  const port = await freeTcpPort();
  const clients = new Set<Client>();
  let pair: { a: string; b: string; onDiverted: (from: string, to: string, message: Message) => void } | undefined;
  /**
   * Connection signals sent before the test names its pair (peers in a room may start connecting as
   * soon as they meet): held, then diverted or passed on once it does, so none slips past him.
   */
  const held: { from: string; to: string; message: Message; pass: () => void }[] = [];
  const isPairSignal = (from: string, to: string, message: Message) =>
    pair !== undefined && ['offer', 'answer', 'ice-candidate'].includes(message.type) && ((from === pair.a && to === pair.b) || (from === pair.b && to === pair.a));

  const server = createServer((req, res) => {
    const upstream = request({ host: '127.0.0.1', port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: `127.0.0.1:${target.port}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!req.url?.startsWith('/signaling')) return socket.destroy();
    sockets.handleUpgrade(req, socket, head, (browser) => {
      const upstream = new WebSocket(`ws://127.0.0.1:${target.port}/signaling`, { headers: { origin: req.headers.origin ?? '' } });
      const early: string[] = [];
      const client: Client = { peerId: undefined, inject: (message) => browser.readyState === WebSocket.OPEN && browser.send(JSON.stringify(message)) };
      clients.add(client);
      upstream.on('open', () => early.splice(0).forEach((text) => upstream.send(text)));
      upstream.on('message', (data) => {
        const message = JSON.parse(String(data)) as Message;
        if (message.type === 'welcome') client.peerId = message.peerId as string;
        if (browser.readyState === WebSocket.OPEN) browser.send(String(data));
      });
      browser.on('message', (data) => {
        const text = String(data);
        const message = JSON.parse(text) as Message;
        const to = message.to as string | undefined;
        const from = client.peerId;
        const pass = () => (upstream.readyState === WebSocket.OPEN ? upstream.send(text) : early.push(text));
        if (!pair && from && to && ['offer', 'answer', 'ice-candidate'].includes(message.type)) return void held.push({ from, to, message, pass });
        if (from && to && isPairSignal(from, to, message)) return pair!.onDiverted(from, to, message);
        pass();
      });
      const close = () => {
        clients.delete(client);
        browser.close();
        upstream.close();
      };
      browser.on('close', close);
      upstream.on('close', close);
      upstream.on('error', close);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    intercept: (a, b, onDiverted) => {
      pair = { a, b, onDiverted };
      for (const signal of held.splice(0)) {
        if (isPairSignal(signal.from, signal.to, signal.message)) onDiverted(signal.from, signal.to, signal.message);
        else signal.pass();
      }
    },
    deliver: (to, from, message) => {
      const { to: _dropped, ...rest } = message;
      for (const client of clients) if (client.peerId === to) client.inject({ ...rest, from } as Message);
    },
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets.clients) socket.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
