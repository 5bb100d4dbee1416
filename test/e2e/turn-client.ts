/**
 * A minimal TURN client for tests, built on the server's own codec: sends requests over a UDP socket
 * on loopback and decodes the answers, doing the long-term-credential dance when asked.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { attribute, Attr, Class, decodeStun, longTermKey, StunWriter, type StunMessage } from '../../server/turn/stun-codec.js';

export interface Credential {
  username: string;
  credential: string;
}

export async function turnCredential(serverUrl: string): Promise<Credential> {
  const body = (await (await fetch(`${serverUrl}/api/ice-servers`)).json()) as { iceServers: { urls: string[]; username?: string; credential?: string }[] };
  const turn = body.iceServers.find((s) => s.username)!;
  return { username: turn.username!, credential: turn.credential! };
}

export class TestTurnClient {
  readonly socket: Socket;
  readonly #inbox: Buffer[] = [];
  #waiters: (() => void)[] = [];
  realm = '';
  nonce = '';

  private constructor(readonly port: number, readonly credential?: Credential) {
    this.socket = createSocket('udp4');
    this.socket.on('message', (data) => {
      this.#inbox.push(data);
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  /** A client socket on `localAddress` (all of 127/8 is loopback: each address is another "client address"). */
  static async open(port: number, credential?: Credential, localAddress = '127.0.0.1'): Promise<TestTurnClient> {
    const client = new TestTurnClient(port, credential);
    await new Promise<void>((resolve) => client.socket.bind(0, localAddress, resolve));
    return client;
  }

  get key(): Buffer {
    return longTermKey(this.credential!.username, this.realm, this.credential!.credential);
  }

  sendRaw(data: Buffer, port = this.port): void {
    this.socket.send(data, port, '127.0.0.1');
  }

  /** The next datagram (raw), or undefined after `ms`. */
  async receiveRaw(ms = 2000): Promise<Buffer | undefined> {
    const deadline = Date.now() + ms;
    while (this.#inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.#inbox.shift();
  }

  /** Sends a request and returns the answer with the same transaction id. */
  async request(method: number, add: (w: StunWriter) => void = () => undefined, options: { auth?: boolean; transactionId?: Buffer } = {}): Promise<StunMessage> {
    const id = options.transactionId ?? randomBytes(12);
    const writer = new StunWriter(method, Class.Request, id);
    add(writer);
    if (options.auth) {
      writer.add(Attr.Username, Buffer.from(this.credential!.username)).add(Attr.Realm, Buffer.from(this.realm)).add(Attr.Nonce, Buffer.from(this.nonce));
    }
    this.sendRaw(writer.encode(options.auth ? this.key : undefined));
    for (;;) {
      const data = await this.receiveRaw();
      if (!data) throw new Error(`no answer to method ${method}`);
      const decoded = decodeStun(data);
      if (decoded.ok && decoded.message.transactionId.equals(id)) return decoded.message;
    }
  }

  /** An authenticated request: learns realm and nonce from a 401 first if needed. */
  async authed(method: number, add: (w: StunWriter) => void = () => undefined, transactionId?: Buffer): Promise<StunMessage> {
    if (!this.nonce) {
      const challenge = await this.request(method, add);
      this.realm = attribute(challenge, Attr.Realm)!.toString();
      this.nonce = attribute(challenge, Attr.Nonce)!.toString();
    }
    return this.request(method, add, { auth: true, ...(transactionId ? { transactionId } : {}) });
  }

  close(): void {
    this.socket.close();
  }
}

export function errorCode(message: StunMessage): number | undefined {
  const value = attribute(message, Attr.ErrorCode);
  return value ? value[2]! * 100 + value[3]! : undefined;
}
