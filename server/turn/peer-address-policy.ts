/**
 * Which peer addresses the TURN relay may send to. A relay that reaches loopback, private,
 * link-local (cloud metadata at 169.254.169.254), multicast or unspecified addresses lets any
 * credential holder probe the host and its network; one that reaches the host's own addresses lets
 * it reach UDP services on the server itself and nest allocations through its own relay ports. All
 * of those are refused, also when they hide inside an IPv6 address that carries an IPv4 one
 * (IPv4-compatible, IPv4-mapped and -translated, NAT64, 6to4). Only tests on one machine may allow
 * loopback.
 */
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

export interface PeerAddressPolicyOptions {
  /** Let the relay reach 127/8 and ::1 (tests on one machine); never in production. */
  allowLoopback: boolean;
  /** The host's own addresses beyond its interfaces': the public address behind NAT (TURN_EXTERNAL_IP), the listen address. */
  ownAddresses?: string[];
  /**
   * Networks (CIDR) to allow although a deny rule covers them: a lab whose "internet" is
   * 198.18.0.0/15 (TURN_ALLOW_PEERS). The host's own addresses stay refused whatever this says.
   */
  allowedNetworks?: string[];
  /** Read the interfaces' addresses (a parameter so tests can hand in a table). */
  interfaceAddresses?: () => string[];
}

const DENIED_V4: [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
];

// BlockList checks IPv4-mapped addresses (::ffff:a.b.c.d) against the IPv4 rules by itself; a
// ::ffff:0:0/96 rule would also match every plain IPv4 address, so there is none.
const DENIED_V6: [string, number][] = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
  ['::ffff:0:0:0', 96], // IPv4-translated (RFC 2765)
  ['64:ff9b::', 96], // NAT64, well-known prefix: reaches any IPv4 address through a translator
  ['64:ff9b:1::', 48], // NAT64, local-use prefix (RFC 8215)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
];

function systemAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address.replace(/%.*$/, '')));
}

/** The eight 16-bit groups of an IPv6 address (which isIP has already accepted). */
function ipv6Groups(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((group) => parseInt(group, 16));
}

/** The IPv4 address a 6to4 address (2002:AABB:CCDD::/48) carries, or undefined for any other. */
function sixToFourEmbedded(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (groups[0] !== 0x2002) return undefined;
  const [hi, lo] = [groups[1]!, groups[2]!];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

const isLoopback = (address: string, family: number) => (family === 4 ? address.startsWith('127.') : ipv6Groups(address).every((g, i) => g === (i === 7 ? 1 : 0)));

/** "198.18.0.0/15" as its network and prefix length; throws on anything else. */
export function parseNetwork(text: string): [string, number] {
  const [net = '', prefixText = ''] = text.trim().split('/');
  const family = isIP(net);
  const prefix = Number(prefixText);
  if (family === 0 || !/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) throw new Error(`"${text}" is not a network such as 198.18.0.0/15`);
  return [net, prefix];
}

export function peerAddressPolicy(options: PeerAddressPolicyOptions): (address: string) => boolean {
  const deny = new BlockList();
  for (const [net, prefix] of DENIED_V4) deny.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of DENIED_V6) deny.addSubnet(net, prefix, 'ipv6');
  const own = new BlockList();
  for (const address of [...(options.interfaceAddresses ?? systemAddresses)(), ...(options.ownAddresses ?? [])]) {
    const family = isIP(address);
    if (family !== 0) own.addAddress(address, family === 4 ? 'ipv4' : 'ipv6');
  }
  const allowed = new BlockList();
  for (const network of options.allowedNetworks ?? []) {
    const [net, prefix] = parseNetwork(network);
    allowed.addSubnet(net, prefix, isIP(net) === 4 ? 'ipv4' : 'ipv6');
  }
  const denied = (address: string, family: number): boolean => {
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (own.check(address, type)) return true;
    if (allowed.check(address, type)) return false;
    if (deny.check(address, type)) return true;
    const embedded = family === 6 ? sixToFourEmbedded(address) : undefined;
    return embedded !== undefined && (deny.check(embedded, 'ipv4') || own.check(embedded, 'ipv4'));
  };
  return (address: string) => {
    const family = isIP(address);
    if (family === 0) return false;
    if (options.allowLoopback && isLoopback(address, family)) return true;
    return !denied(address, family);
  };
}
