/**
 * The relay's UDP ports: binding one (even if asked, with its odd twin held too for EVEN-PORT with
 * the R flag), and the reservations those twins are (RFC 5766 6.2), each redeemable once, by the
 * credential and client address that made it, for RESERVATION_MS. A reservation holds a port as
 * surely as an allocation does, so the server counts both in its quotas (see holders()).
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/** A port reserved by EVEN-PORT(R) is kept this long for the Allocate that names its token. */
const RESERVATION_MS = 30_000;
/** Random ports tried before giving up (a nearly full range answers 508). */
const BIND_ATTEMPTS = 20;

/** Who holds a relay port: the credential's user part and the client address. */
export interface PortHolder {
  user: string;
  clientAddress: string;
}

interface Reservation extends PortHolder {
  socket: Socket;
  expiresAt: number;
}

export interface RelayPortsOptions {
  relayIp: string;
  minPort: number;
  maxPort: number;
  now: () => number;
}

export class RelayPorts {
  /** RESERVATION-TOKEN (hex) -> the reserved twin port. */
  readonly #reservations = new Map<string, Reservation>();

  constructor(private readonly options: RelayPortsOptions) {}

  /** The holders of reserved ports, for the quotas. */
  holders(): Iterable<PortHolder> {
    return this.#reservations.values();
  }

  /**
   * Binds a relay port (even if asked). With `reserveFor`, the next port is bound too and kept as a
   * reservation for that holder; its token comes back with the socket.
   */
  async bind(even: boolean, reserveFor?: PortHolder): Promise<{ socket: Socket; token?: Buffer } | undefined> {
    const { minPort: min, maxPort: max } = this.options;
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      let port = min + Math.floor(Math.random() * (max - min + 1));
      if (even || reserveFor) port -= port % 2;
      if (port < min || (reserveFor && port + 1 > max)) continue;
      const socket = await this.#bindPort(port);
      if (!socket) continue;
      if (!reserveFor) return { socket };
      const next = await this.#bindPort(port + 1);
      if (!next) {
        socket.close();
        continue;
      }
      const token = randomBytes(8);
      this.#reservations.set(token.toString('hex'), { ...reserveFor, socket: next, expiresAt: this.options.now() + RESERVATION_MS });
      return { socket, token };
    }
    return undefined;
  }

  /** The reserved socket for `token`, if `holder` made that reservation and it has not expired; once. */
  redeem(token: Buffer, holder: PortHolder): Socket | undefined {
    const key = token.toString('hex');
    const reservation = this.#reservations.get(key);
    if (!reservation || reservation.user !== holder.user || reservation.clientAddress !== holder.clientAddress) return undefined;
    this.#reservations.delete(key);
    return reservation.socket;
  }

  /** Releases expired reservations. */
  sweep(): void {
    const now = this.options.now();
    for (const [token, reservation] of this.#reservations) {
      if (reservation.expiresAt > now) continue;
      reservation.socket.close();
      this.#reservations.delete(token);
    }
  }

  close(): void {
    for (const reservation of this.#reservations.values()) reservation.socket.close();
    this.#reservations.clear();
  }

  async #bindPort(port: number): Promise<Socket | undefined> {
    const socket = createSocket(isIPv6(this.options.relayIp) ? 'udp6' : 'udp4');
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, this.options.relayIp, () => resolve(true));
    });
    if (bound) return socket;
    socket.close();
    return undefined;
  }
}
