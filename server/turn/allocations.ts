/**
 * The TURN relay's allocation table: each allocation by its client's 5-tuple and by its relay port,
 * its permissions and channels with their expiry, and the sweep that drops what has expired
 * (RFC 5766: allocations by LIFETIME, permissions after 300 s, channels after 600 s). Releasing an
 * allocation closes its relay socket at once.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import type { PortHolder } from './relay-ports.js';
import type { TransportAddress } from './stun-codec.js';
import type { TokenBucket } from '../token-bucket.js';

export interface Allocation extends PortHolder {
  key: string;
  client: RemoteInfo;
  username: string;
  hmacKey: Buffer;
  relay: Socket;
  relayed: TransportAddress;
  expiresAt: number;
  /** Peer IP -> expiry. */
  permissions: Map<string, number>;
  /**
   * Relay port of this host -> expiry: the other relays of this process the client named in a
   * permission or channel. Every relay shares the host's address, so a permission for that IP
   * alone would let any allocation here reach the client; relay-to-relay delivery needs the port.
   */
  relayPorts: Map<number, number>;
  /** Channel number -> peer and expiry. */
  channels: Map<number, { peer: TransportAddress; expiresAt: number }>;
  /** "ip|port" of a peer -> channel number. */
  channelOfPeer: Map<string, number>;
  /** Bytes it may still relay towards peers and towards the client (undefined: no cap). */
  toPeers: TokenBucket | undefined;
  toClient: TokenBucket | undefined;
  /** The Allocate that created it and our answer, for retransmissions. */
  transactionId: Buffer;
  response: Buffer;
}

export const peerKey = (peer: TransportAddress) => `${peer.address}|${peer.port}`;
export const clientKey = (rinfo: RemoteInfo) => `${rinfo.address}|${rinfo.port}`;

export class Allocations {
  readonly #byClient = new Map<string, Allocation>();
  /** Relay port -> the live allocation on it, for relay-to-relay delivery. */
  readonly #byRelayPort = new Map<number, Allocation>();

  constructor(private readonly now: () => number) {}

  /** The allocation of the client at `rinfo`. */
  of(rinfo: RemoteInfo): Allocation | undefined {
    return this.#byClient.get(clientKey(rinfo));
  }

  onRelayPort(port: number): Allocation | undefined {
    return this.#byRelayPort.get(port);
  }

  has(rinfo: RemoteInfo): boolean {
    return this.#byClient.has(clientKey(rinfo));
  }

  isLive(allocation: Allocation): boolean {
    return this.#byClient.get(allocation.key) === allocation;
  }

  values(): IterableIterator<Allocation> {
    return this.#byClient.values();
  }

  add(allocation: Allocation): void {
    this.#byClient.set(allocation.key, allocation);
    this.#byRelayPort.set(allocation.relayed.port, allocation);
  }

  /** Drops the allocation and closes its relay socket (no-op if it is already gone). */
  release(allocation: Allocation): void {
    if (!this.isLive(allocation)) return;
    this.#byClient.delete(allocation.key);
    this.#byRelayPort.delete(allocation.relayed.port);
    allocation.relay.close();
  }

  releaseAll(): void {
    for (const allocation of [...this.#byClient.values()]) this.release(allocation);
  }

  hasPermission(allocation: Allocation, address: string): boolean {
    const expiry = allocation.permissions.get(address);
    return expiry !== undefined && expiry > this.now();
  }

  /** Records that the client permitted the relay on `port` of this host (with its permission's lifetime). */
  permitRelayPort(allocation: Allocation, port: number, expiresAt: number): void {
    allocation.relayPorts.set(port, expiresAt);
  }

  /** Whether the client permitted the relay on `port` of this host, and that permission is live. */
  permitsRelayPort(allocation: Allocation, port: number): boolean {
    const expiry = allocation.relayPorts.get(port);
    return expiry !== undefined && expiry > this.now();
  }

  /** Drops expired allocations, permissions and channels. */
  sweep(): void {
    const now = this.now();
    for (const allocation of [...this.#byClient.values()]) {
      if (allocation.expiresAt <= now) {
        this.release(allocation);
        continue;
      }
      for (const [address, expiry] of allocation.permissions) if (expiry <= now) allocation.permissions.delete(address);
      for (const [port, expiry] of allocation.relayPorts) if (expiry <= now) allocation.relayPorts.delete(port);
      for (const [channel, binding] of allocation.channels) {
        if (binding.expiresAt <= now) {
          allocation.channels.delete(channel);
          allocation.channelOfPeer.delete(peerKey(binding.peer));
        }
      }
    }
  }
}
