/**
 * Which peer addresses the TURN relay may send to. A relay that reaches loopback, private,
 * link-local (cloud metadata at 169.254.169.254), multicast or unspecified addresses lets any
 * credential holder probe the host and its network, so those are refused unless a flag allows
 * loopback (tests on one machine).
 */
import { BlockList, isIP } from 'node:net';

function denyList(allowLoopback: boolean): BlockList {
  const list = new BlockList();
  const v4: [string, number][] = [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12],
    ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
  ];
  if (!allowLoopback) v4.push(['127.0.0.0', 8]);
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, 'ipv4');
  // No ::ffff:0:0/96 rule: BlockList already checks IPv4-mapped IPv6 against the IPv4 rules, and
  // such a rule would also match every plain IPv4 address.
  const v6: [string, number][] = [['::', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]];
  if (!allowLoopback) v6.push(['::1', 128]);
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

export function peerAddressPolicy(options: { allowLoopback: boolean }): (address: string) => boolean {
  const deny = denyList(options.allowLoopback);
  return (address: string) => {
    const family = isIP(address);
    if (family === 0) return false;
    return !deny.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}
