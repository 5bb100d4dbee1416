/**
 * The browser end of /signaling: validates every server message, reconnects with backoff, and
 * re-joins (and lets the engine re-announce) after a reconnect.
 */
import { parseServerMessage, type ClientMessage, type ServerMessage } from '../../protocol/index.js';
import { RECONNECT_MAX_MS, RECONNECT_MIN_MS } from './constants.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface SignalingClientOptions {
  url: string;
  room?: string;
  name?: string;
  onMessage: (message: ServerMessage) => void;
  onState: (state: ConnectionState) => void;
  log?: (msg: string) => void;
}

export class SignalingClient {
  #socket: WebSocket | undefined;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** From the last welcome: presented on reconnect to get the same peer id and announcements back. */
  #resumeToken: string | undefined;
  #room: string | undefined;

  constructor(private readonly options: SignalingClientOptions) {
    this.#room = options.room;
    // Back online: try now rather than at the end of a backoff that grew while offline.
    globalThis.addEventListener?.('online', () => this.#reconnectNow());
  }

  #reconnectNow(): void {
    if (this.#closed || this.#socket) return;
    clearTimeout(this.#timer);
    this.#attempt = 0;
    this.connect();
  }

  /** Moves to another room (undefined: the room of this address) on the open connection; reconnects join it too. */
  join(room: string | undefined): void {
    this.#room = room;
    this.send(this.#joinMessage());
  }

  /** A new display name: the room hears it at once, and connections and transfers go on (no re-join). */
  rename(name: string): void {
    this.options.name = name;
    this.send({ type: 'rename', name });
  }

  #joinMessage(): ClientMessage {
    const join: ClientMessage = { type: 'join-room' };
    if (this.#room) join.room = this.#room;
    if (this.options.name) join.name = this.options.name;
    return join;
  }

  connect(): void {
    this.#closed = false;
    this.options.onState('connecting');
    const socket = new WebSocket(this.options.url);
    this.#socket = socket;
    let welcomed = false;
    socket.onopen = () => {
      const join = this.#joinMessage();
      if (this.#resumeToken && join.type === 'join-room') join.resume = this.#resumeToken;
      socket.send(JSON.stringify(join));
      this.options.onState('open');
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let message: ServerMessage | null;
      try {
        message = parseServerMessage(event.data);
      } catch (error) {
        this.options.log?.(`ignored a malformed signaling message: ${(error as Error).message}`);
        return;
      }
      if (message?.type === 'welcome') {
        this.#resumeToken = message.resumeToken;
        this.#attempt = 0; // backoff resets once in a room, not merely connected
        welcomed = true;
      }
      // A join the server refused for now (joins or bandwidth per address): reconnect with backoff
      // and join again, rather than stay outside every room.
      if (message?.type === 'error' && message.code === 'rate-limited' && !welcomed) socket.close();
      if (message) this.options.onMessage(message);
    };
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.options.onState('closed');
      if (this.#closed) return;
      const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.#attempt++) * (0.75 + Math.random() / 2);
      this.#timer = setTimeout(() => this.connect(), delay);
    };
  }

  /** Sends if connected; returns false when the message could not be sent. */
  send(message: ClientMessage): boolean {
    if (this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket?.close();
  }
}
