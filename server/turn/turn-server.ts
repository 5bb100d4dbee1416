/**
 * Our TURN relay (RFC 5766 over UDP), which replaces node-turn 0.0.6's allocation, refresh,
 * permission, channel and relay handling: those could not be fixed by wrapping (see the closing
 * notes of issue 4 and test/e2e/turn.test.ts for each defect and its regression test).
 *
 * - Long-term credentials from TURN REST usernames with stateless nonces (long-term-auth.ts); the
 *   allocation table and its expiry sweep (allocations.ts); relay ports and reservations (relay-ports.ts).
 * - Every authenticated response carries MESSAGE-INTEGRITY (ChannelBind included) and FINGERPRINT.
 * - LIFETIME is honoured and clamped; Refresh(0) and expiry close the relay socket at once.
 * - A second Allocate from the same 5-tuple gets 437 (its retransmission gets the first answer).
 * - Unknown comprehension-optional attributes are ignored; unknown comprehension-required get 420.
 * - Quotas: allocations per user, per client address, in total; permissions and channels per allocation.
 * - Peers are filtered (peer-address-policy.ts) for CreatePermission, ChannelBind and Send. One of
 *   the host's own addresses passes only as the relayed address with the port of a live allocation:
 *   two clients that can only be reached through this relay (both relay-only, or both behind
 *   firewalls that let UDP out only to it) talk relay to relay, delivered in this process; the
 *   host's other ports (the TURN port itself, any other UDP service) stay out of reach.
 * - Nothing a datagram holds can throw out of the socket handler; log lines are rate-limited.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { LongTermAuth } from './long-term-auth.js';
import { AddressBuckets } from '../address-buckets.js';
import { TokenBucket } from '../token-bucket.js';
import { RelayPorts } from './relay-ports.js';
import { Allocations, clientKey, peerKey, type Allocation } from './allocations.js';
import { DEFAULT_LIFETIME_S, MAX_LIFETIME_S, PERMISSION_S, CHANNEL_S, MAX_PERMISSIONS, MAX_CHANNELS, ALLOCATION_BURST, ALLOCATIONS_PER_SECOND, type TurnServerOptions } from './turn-options.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import { attribute, attributes, Attr, Class, decodeChannelData, decodeStun, decodeXorAddress, encodeChannelData, encodeXorAddress, lifetimeValue, looksLikeChannelData, Method, StunWriter, TRANSPORT_UDP } from './stun-codec.js';
import type { StunMessage, TransportAddress } from './stun-codec.js';

export type { TurnServerOptions };

export class TurnServer {
  readonly #socket: Socket;
  readonly #allocations: Allocations;
  /** RESERVATION-TOKEN (hex) -> the reserved relay socket (RFC 5766 EVEN-PORT with R). */
  readonly #ports: RelayPorts;
  /** Allocate requests per client address (forgotten once full again, in the sweep). */
  readonly #allocateRate: AddressBuckets;
  readonly #auth: LongTermAuth;
  readonly #log: RateLimitedLog;
  readonly #now: () => number;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: TurnServerOptions) {
    this.#now = options.now ?? Date.now;
    this.#auth = new LongTermAuth(options.secret, options.realm ?? 'shoal', this.#now);
    this.#allocations = new Allocations(this.#now);
    this.#ports = new RelayPorts({ relayIp: options.relayIp, minPort: options.minRelayPort ?? 49152, maxPort: options.maxRelayPort ?? 65535, now: this.#now });
    this.#allocateRate = new AddressBuckets(options.allocationBurstPerClient ?? ALLOCATION_BURST, options.allocationsPerSecondPerClient ?? ALLOCATIONS_PER_SECOND, this.#now);
    this.#log = new RateLimitedLog(options.log ?? ((line) => console.log(line)), { prefix: 'turn', now: this.#now });
    this.#socket = createSocket({ type: isIPv6(options.listenIp) ? 'udp6' : 'udp4', reuseAddr: false });
    this.#socket.on('message', (data, rinfo) => {
      try {
        this.#onDatagram(data, rinfo);
      } catch (error) {
        this.#log.line(`dropped a datagram from ${rinfo.address}: ${(error as Error).message}`);
      }
    });
    this.#socket.on('error', (error) => this.#log.line(`socket error: ${error.message}`));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#socket.once('error', reject);
      this.#socket.bind(this.options.port, this.options.listenIp, () => {
        this.#socket.off('error', reject);
        this.#sweeper = setInterval(() => this.#sweep(), 1000);
        resolve();
      });
    });
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#allocations.releaseAll();
    this.#ports.close();
    this.#socket.close();
  }

  // ---- datagrams from clients ------------------------------------------------------------------

  #onDatagram(data: Buffer, rinfo: RemoteInfo): void {
    if (looksLikeChannelData(data)) return this.#onChannelData(data, rinfo);
    const decoded = decodeStun(data);
    if (!decoded.ok) return this.#log.line(`ignored a datagram from ${rinfo.address}: ${decoded.reason}`);
    const message = decoded.message;
    if (message.class === Class.Indication) {
      if (message.method === Method.Send) this.#onSend(message, rinfo);
      return;
    }
    if (message.class !== Class.Request) return;
    if (message.method === Method.Binding) {
      const reply = new StunWriter(Method.Binding, Class.Success, message.transactionId);
      reply.add(Attr.XorMappedAddress, encodeXorAddress(this.#addressOf(rinfo), message.transactionId));
      return this.#send(reply.encode(), rinfo);
    }
    if (message.method !== Method.Allocate && message.method !== Method.Refresh && message.method !== Method.CreatePermission && message.method !== Method.ChannelBind) {
      return this.#reject(message, rinfo, 400, 'Bad Request: unsupported method');
    }
    if (message.unknownRequired.length > 0) {
      const list = Buffer.alloc(message.unknownRequired.length * 2);
      message.unknownRequired.forEach((type, i) => list.writeUInt16BE(type, i * 2));
      const reply = new StunWriter(message.method, Class.Error, message.transactionId).addError(420, 'Unknown Attribute').add(Attr.UnknownAttributes, list);
      return this.#send(reply.encode(), rinfo);
    }
    const allocation = this.#allocations.of(rinfo);
    // A retransmitted Allocate gets the same answer; checked before auth, as the nonce may have moved on.
    if (message.method === Method.Allocate && allocation?.transactionId.equals(message.transactionId)) return this.#send(allocation.response, rinfo);
    const auth = this.#authenticate(message, rinfo);
    if (!auth) return;
    switch (message.method) {
      case Method.Allocate:
        return void this.#onAllocate(message, rinfo, auth, allocation);
      case Method.Refresh:
        return this.#onRefresh(message, rinfo, auth, allocation);
      case Method.CreatePermission:
        return this.#onCreatePermission(message, rinfo, auth, allocation);
      case Method.ChannelBind:
        return this.#onChannelBind(message, rinfo, auth, allocation);
    }
  }

  /** Checks the long-term credential; answers 400/401/438 itself and returns undefined on failure. */
  #authenticate(message: StunMessage, rinfo: RemoteInfo): { username: string; key: Buffer } | undefined {
    const result = this.#auth.check(message, clientKey(rinfo));
    if (result.ok) return result;
    const reply = new StunWriter(message.method, Class.Error, message.transactionId).addError(result.code, result.reason);
    this.#send((result.challenge ? this.#auth.challenge(reply, clientKey(rinfo)) : reply).encode(), rinfo);
    return undefined;
  }

  #reject(message: StunMessage, rinfo: RemoteInfo, code: number, reason: string, key?: Buffer): void {
    this.#send(new StunWriter(message.method, Class.Error, message.transactionId).addError(code, reason).encode(key), rinfo);
  }

  #lifetime(message: StunMessage): number {
    const value = attribute(message, Attr.Lifetime);
    if (!value || value.length !== 4) return DEFAULT_LIFETIME_S;
    const requested = value.readUInt32BE(0);
    if (requested === 0) return 0;
    return Math.min(Math.max(requested, DEFAULT_LIFETIME_S), MAX_LIFETIME_S);
  }

  async #onAllocate(message: StunMessage, rinfo: RemoteInfo, auth: { username: string; key: Buffer }, existing: Allocation | undefined): Promise<void> {
    if (existing) return this.#reject(message, rinfo, 437, 'Allocation Mismatch', auth.key);
    const transport = attribute(message, Attr.RequestedTransport);
    if (!transport || transport.length !== 4) return this.#reject(message, rinfo, 400, 'Bad Request: REQUESTED-TRANSPORT missing', auth.key);
    if (transport[0] !== TRANSPORT_UDP) return this.#reject(message, rinfo, 442, 'Unsupported Transport Protocol', auth.key);
    const token = attribute(message, Attr.ReservationToken);
    const evenPort = attribute(message, Attr.EvenPort);
    if (token && (token.length !== 8 || evenPort)) return this.#reject(message, rinfo, 400, 'Bad Request: RESERVATION-TOKEN with EVEN-PORT, or malformed', auth.key);
    if (evenPort && evenPort.length !== 1) return this.#reject(message, rinfo, 400, 'Bad Request: malformed EVEN-PORT', auth.key);
    const family = attribute(message, Attr.RequestedAddressFamily);
    const relayFamily = isIPv6(this.options.relayIp) ? 0x02 : 0x01;
    if (family && (family.length !== 4 || family[0] !== relayFamily)) return this.#reject(message, rinfo, 440, 'Address Family not Supported', auth.key);
    const user = auth.username.slice(auth.username.indexOf(':') + 1);
    if (!this.#allocateRate.for(rinfo.address).take()) return this.#reject(message, rinfo, 486, 'Allocation Quota Reached: too many Allocate requests, slow down', auth.key);
    // Every port held counts: a reservation holds one as surely as an allocation does. A new
    // reservation (EVEN-PORT with R) needs room for two ports, one redeeming a token for none.
    const ports = token ? 0 : evenPort && (evenPort[0]! & 0x80) !== 0 ? 2 : 1;
    const held = this.#portsHeld(user, rinfo.address);
    if (held.total + ports > (this.options.maxAllocations ?? 2000)) return this.#reject(message, rinfo, 508, 'Insufficient Capacity', auth.key);
    if (held.byUser + ports > (this.options.maxAllocationsPerUser ?? 32)) return this.#reject(message, rinfo, 486, 'Allocation Quota Reached', auth.key);
    if (held.byClient + ports > (this.options.maxAllocationsPerClient ?? 64)) return this.#reject(message, rinfo, 486, 'Allocation Quota Reached', auth.key);
    const lifetime = this.#lifetime(message) || DEFAULT_LIFETIME_S;
    const holder = { user, clientAddress: rinfo.address };
    let relay: Socket | undefined;
    let reservedToken: Buffer | undefined;
    if (token) {
      relay = this.#ports.redeem(token, holder);
      if (!relay) return this.#reject(message, rinfo, 508, 'Insufficient Capacity: no such reservation', auth.key);
    } else {
      const bound = await this.#ports.bind(evenPort !== undefined, ports === 2 ? holder : undefined);
      relay = bound?.socket;
      reservedToken = bound?.token;
    }
    if (!relay) return this.#reject(message, rinfo, 508, 'Insufficient Capacity: no relay port', auth.key);
    if (this.#allocations.has(rinfo)) {
      relay.close(); // the same client raced two Allocates while we were binding
      return this.#reject(message, rinfo, 437, 'Allocation Mismatch', auth.key);
    }
    const port = relay.address().port;
    const relayed: TransportAddress = { family: relayFamily === 0x02 ? 6 : 4, address: this.options.externalIp || this.options.relayIp, port };
    const reply = new StunWriter(Method.Allocate, Class.Success, message.transactionId)
      .add(Attr.XorRelayedAddress, encodeXorAddress(relayed, message.transactionId))
      .add(Attr.Lifetime, lifetimeValue(lifetime))
      .add(Attr.XorMappedAddress, encodeXorAddress(this.#addressOf(rinfo), message.transactionId));
    if (reservedToken) reply.add(Attr.ReservationToken, reservedToken);
    const response = reply.encode(auth.key);
    const allocation: Allocation = {
      key: clientKey(rinfo),
      client: rinfo,
      username: auth.username,
      user,
      clientAddress: rinfo.address,
      hmacKey: auth.key,
      relay,
      relayed,
      expiresAt: this.#now() + lifetime * 1000,
      permissions: new Map(),
      relayPorts: new Map(),
      channels: new Map(),
      channelOfPeer: new Map(),
      toPeers: this.#bandwidthBucket(),
      toClient: this.#bandwidthBucket(),
      transactionId: message.transactionId,
      response,
    };
    relay.on('message', (data, peer) => this.#fromPeer(allocation, data, this.#addressOf(peer)));
    relay.on('error', (error) => this.#log.line(`relay ${port}: ${error.message}`));
    this.#allocations.add(allocation);
    this.#send(response, rinfo);
  }

  /** Relay ports held in all, by this user, and by this client address (allocations and reservations). */
  #portsHeld(user: string, clientAddress: string): { total: number; byUser: number; byClient: number } {
    const held = { total: 0, byUser: 0, byClient: 0 };
    for (const holder of [...this.#allocations.values(), ...this.#ports.holders()]) {
      held.total++;
      if (holder.user === user) held.byUser++;
      if (holder.clientAddress === clientAddress) held.byClient++;
    }
    return held;
  }

  /** A second's worth of the per-allocation cap, in bytes, refilled continuously. */
  #bandwidthBucket(): TokenBucket | undefined {
    const kbps = this.options.allocationKbps ?? 0;
    if (kbps <= 0) return undefined;
    const bytesPerSecond = (kbps * 1000) / 8;
    // The bucket holds at least one largest datagram, or a tiny cap would drop every one of them.
    return new TokenBucket(Math.max(bytesPerSecond, 65_536), bytesPerSecond, this.#now);
  }

  #checkOwner(message: StunMessage, rinfo: RemoteInfo, auth: { username: string; key: Buffer }, allocation: Allocation | undefined): allocation is Allocation {
    if (!allocation) {
      this.#reject(message, rinfo, 437, 'Allocation Mismatch', auth.key);
      return false;
    }
    if (allocation.username !== auth.username) {
      this.#reject(message, rinfo, 441, 'Wrong Credentials', auth.key);
      return false;
    }
    return true;
  }

  #onRefresh(message: StunMessage, rinfo: RemoteInfo, auth: { username: string; key: Buffer }, allocation: Allocation | undefined): void {
    if (!this.#checkOwner(message, rinfo, auth, allocation)) return;
    const lifetime = this.#lifetime(message);
    if (lifetime === 0) this.#allocations.release(allocation);
    else allocation.expiresAt = this.#now() + lifetime * 1000;
    this.#send(new StunWriter(Method.Refresh, Class.Success, message.transactionId).add(Attr.Lifetime, lifetimeValue(lifetime)).encode(auth.key), rinfo);
  }

  #peers(message: StunMessage): TransportAddress[] | undefined {
    const peers = attributes(message, Attr.XorPeerAddress).map((value) => decodeXorAddress(value, message.transactionId));
    return peers.length > 0 && peers.every((p) => p !== undefined) ? (peers as TransportAddress[]) : undefined;
  }

  #onCreatePermission(message: StunMessage, rinfo: RemoteInfo, auth: { username: string; key: Buffer }, allocation: Allocation | undefined): void {
    if (!this.#checkOwner(message, rinfo, auth, allocation)) return;
    const peers = this.#peers(message);
    if (!peers) return this.#reject(message, rinfo, 400, 'Bad Request: XOR-PEER-ADDRESS missing or malformed', auth.key);
    if (peers.some((p) => p.family !== allocation.relayed.family)) return this.#reject(message, rinfo, 443, 'Peer Address Family Mismatch', auth.key);
    const refused = peers.find((p) => !this.#peerAllowed(allocation, p));
    if (refused) {
      this.#log.line(`refused a permission for ${refused.address} (${allocation.user})`);
      return this.#reject(message, rinfo, 403, 'Forbidden: peer address not allowed', auth.key);
    }
    const fresh = peers.filter((p) => !allocation.permissions.has(p.address)).length;
    if (allocation.permissions.size + fresh > MAX_PERMISSIONS) return this.#reject(message, rinfo, 508, 'Insufficient Capacity: too many permissions', auth.key);
    const expiresAt = this.#now() + PERMISSION_S * 1000;
    for (const peer of peers) {
      allocation.permissions.set(peer.address, expiresAt);
      if (this.#isRelayAddress(allocation, peer.address)) this.#allocations.permitRelayPort(allocation, peer.port, expiresAt);
    }
    this.#send(new StunWriter(Method.CreatePermission, Class.Success, message.transactionId).encode(auth.key), rinfo);
  }

  #onChannelBind(message: StunMessage, rinfo: RemoteInfo, auth: { username: string; key: Buffer }, allocation: Allocation | undefined): void {
    if (!this.#checkOwner(message, rinfo, auth, allocation)) return;
    const channelValue = attribute(message, Attr.ChannelNumber);
    const peers = this.#peers(message);
    if (!channelValue || channelValue.length !== 4 || !peers || peers.length !== 1) return this.#reject(message, rinfo, 400, 'Bad Request: CHANNEL-NUMBER and one XOR-PEER-ADDRESS needed', auth.key);
    const channel = channelValue.readUInt16BE(0);
    const peer = peers[0]!;
    if (channel < 0x4000 || channel > 0x7fff) return this.#reject(message, rinfo, 400, 'Bad Request: channel number out of range', auth.key);
    if (peer.family !== allocation.relayed.family) return this.#reject(message, rinfo, 443, 'Peer Address Family Mismatch', auth.key);
    if (!this.#peerAllowed(allocation, peer, true)) {
      this.#log.line(`refused a channel to ${peer.address}:${peer.port} (${allocation.user})`);
      return this.#reject(message, rinfo, 403, 'Forbidden: peer address not allowed', auth.key);
    }
    const bound = allocation.channels.get(channel);
    const peerChannel = allocation.channelOfPeer.get(peerKey(peer));
    if ((bound && peerKey(bound.peer) !== peerKey(peer)) || (peerChannel !== undefined && peerChannel !== channel)) {
      return this.#reject(message, rinfo, 400, 'Bad Request: channel or peer already bound', auth.key);
    }
    if (!bound && allocation.channels.size >= MAX_CHANNELS) return this.#reject(message, rinfo, 508, 'Insufficient Capacity: too many channels', auth.key);
    if (!allocation.permissions.has(peer.address) && allocation.permissions.size >= MAX_PERMISSIONS) return this.#reject(message, rinfo, 508, 'Insufficient Capacity: too many permissions', auth.key);
    const now = this.#now();
    allocation.channels.set(channel, { peer, expiresAt: now + CHANNEL_S * 1000 });
    allocation.channelOfPeer.set(peerKey(peer), channel);
    allocation.permissions.set(peer.address, now + PERMISSION_S * 1000);
    if (this.#isRelayAddress(allocation, peer.address)) this.#allocations.permitRelayPort(allocation, peer.port, now + PERMISSION_S * 1000);
    this.#send(new StunWriter(Method.ChannelBind, Class.Success, message.transactionId).encode(auth.key), rinfo);
  }

  #onSend(message: StunMessage, rinfo: RemoteInfo): void {
    const allocation = this.#allocations.of(rinfo);
    const data = attribute(message, Attr.Data);
    const peers = this.#peers(message);
    if (!allocation || !data || !peers || peers.length !== 1) return;
    const peer = peers[0]!;
    if (!this.#allocations.hasPermission(allocation, peer.address) || !this.#peerAllowed(allocation, peer, true)) return;
    if (allocation.toPeers?.take(data.length) === false) return;
    this.#relay(allocation, data, peer);
  }

  #onChannelData(data: Buffer, rinfo: RemoteInfo): void {
    const decoded = decodeChannelData(data);
    if (!decoded.ok) return this.#log.line(`ignored ChannelData from ${rinfo.address}: ${decoded.reason}`);
    const allocation = this.#allocations.of(rinfo);
    const binding = allocation?.channels.get(decoded.channel);
    if (!allocation || !binding || binding.expiresAt <= this.#now() || !this.#allocations.hasPermission(allocation, binding.peer.address)) return;
    if (allocation.toPeers?.take(decoded.data.length) === false) return;
    this.#relay(allocation, decoded.data, binding.peer);
  }

  /** Sends from the allocation's relay to a peer; another of our relays gets it here, without the network. */
  #relay(from: Allocation, data: Buffer, peer: TransportAddress): void {
    if (this.#isRelayAddress(from, peer.address)) {
      const to = this.#allocations.onRelayPort(peer.port);
      // Delivered only to a client that permitted this very relay (its port), not just the host's IP.
      if (to) return to === from || !this.#allocations.permitsRelayPort(to, from.relayed.port) ? undefined : this.#fromPeer(to, data, from.relayed);
      // Not a relay (any more): only where the policy allows the address itself (loopback in tests).
      if (!this.options.isAllowedPeer(peer.address)) return;
    }
    from.relay.send(data, peer.port, peer.address);
  }

  // ---- datagrams from peers --------------------------------------------------------------------

  #fromPeer(allocation: Allocation, data: Buffer, address: TransportAddress): void {
    if (!this.#allocations.isLive(allocation) || !this.#allocations.hasPermission(allocation, address.address)) return;
    if (allocation.toClient?.take(data.length) === false) return;
    const channel = allocation.channelOfPeer.get(peerKey(address));
    const binding = channel === undefined ? undefined : allocation.channels.get(channel);
    if (channel !== undefined && binding && binding.expiresAt > this.#now()) return this.#send(encodeChannelData(channel, data), allocation.client);
    const id = Buffer.alloc(12);
    for (let i = 0; i < 12; i++) id[i] = (Math.random() * 256) | 0;
    const indication = new StunWriter(Method.Data, Class.Indication, id).add(Attr.XorPeerAddress, encodeXorAddress(address, id)).add(Attr.Data, data);
    this.#send(indication.encode(), allocation.client);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  /**
   * A peer in the relay's own address family, allowed by policy (a permission is for an IP, any
   * port), or else our relayed address: for a permission, and with a port only a live allocation's.
   */
  #peerAllowed(allocation: Allocation, peer: TransportAddress, needsPort = false): boolean {
    if (peer.family !== allocation.relayed.family || (needsPort && peer.port === 0)) return false;
    if (this.options.isAllowedPeer(peer.address)) return true;
    return this.#isRelayAddress(allocation, peer.address) && (!needsPort || this.#allocations.onRelayPort(peer.port) !== undefined);
  }

  /** The address our relays advertise (XOR-RELAYED-ADDRESS), the one ICE pairs another relay with. */
  #isRelayAddress(allocation: Allocation, address: string): boolean {
    return address === allocation.relayed.address;
  }

  #addressOf(rinfo: RemoteInfo): TransportAddress {
    return { family: rinfo.family === 'IPv6' ? 6 : 4, address: rinfo.address, port: rinfo.port };
  }

  #send(data: Buffer, to: RemoteInfo): void {
    this.#socket.send(data, to.port, to.address);
  }

  #sweep(): void {
    this.#allocateRate.sweep();
    this.#ports.sweep();
    this.#allocations.sweep();
  }
}
