/** The TURN relay's peer filter, table-tested: what a credential holder may and may not reach. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerAddressPolicy } from '../../server/turn/peer-address-policy.js';

// The host as the tests see it: interfaces with a private and a public address, plus its public
// address behind NAT (TURN_EXTERNAL_IP) handed in as an own address.
const HOST = { interfaceAddresses: () => ['127.0.0.1', '::1', '10.1.2.3', '203.0.113.7', '2001:db8:aa::7', 'fe80::1'], ownAddresses: ['198.51.100.99'] };
const production = peerAddressPolicy({ allowLoopback: false, ...HOST });
const onOneMachine = peerAddressPolicy({ allowLoopback: true, ...HOST });

const refused: [string, string][] = [
  ['127.0.0.1', 'loopback'],
  ['127.8.9.10', 'loopback, all of 127/8'],
  ['::1', 'IPv6 loopback'],
  ['::', 'unspecified'],
  ['0.0.0.0', 'unspecified'],
  ['10.0.0.1', 'private'],
  ['172.16.5.4', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'carrier-grade NAT'],
  ['169.254.169.254', 'cloud metadata'],
  ['198.18.0.1', 'benchmark range'],
  ['224.0.0.251', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['fe80::1', 'link-local'],
  ['fc00::1', 'unique local'],
  ['fd12:3456::1', 'unique local'],
  ['fec0::1', 'site-local'],
  ['ff02::1', 'IPv6 multicast'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:203.0.113.7', 'IPv4-mapped own address'],
  ['::10.0.0.1', 'IPv4-compatible'],
  ['::8.8.8.8', 'IPv4-compatible, even of a public address (deprecated, never a real peer)'],
  ['::ffff:0:10.0.0.1', 'IPv4-translated'],
  ['::ffff:0:808:808', 'IPv4-translated, public'],
  ['64:ff9b::a00:1', 'NAT64 well-known prefix'],
  ['64:ff9b:1::8.8.8.8', 'NAT64 local-use prefix'],
  ['2002:a00:1::1', '6to4 carrying 10.0.0.1'],
  ['2002:7f00:1::', '6to4 carrying 127.0.0.1'],
  ['2002:a9fe:a9fe::1', '6to4 carrying 169.254.169.254'],
  ['2002:cb00:7107::1', '6to4 carrying the host\'s own 203.0.113.7'],
  ['203.0.113.7', 'the host\'s own public interface address'],
  ['198.51.100.99', 'the host\'s address behind NAT (TURN_EXTERNAL_IP)'],
  ['2001:db8:aa::7', 'the host\'s own IPv6 address'],
  ['2001:DB8:AA:0:0:0:0:7', 'the host\'s own IPv6 address, spelled otherwise'],
  ['not-an-ip', 'not an address'],
  ['', 'empty'],
];
const allowed: [string, string][] = [
  ['8.8.8.8', 'public'],
  ['93.184.216.34', 'public'],
  ['203.0.113.8', 'public, next to our own'],
  ['2001:4860:4860::8888', 'public IPv6'],
  ['::ffff:8.8.8.8', 'IPv4-mapped public'],
  ['2002:808:808::1', '6to4 carrying a public address'],
  ['2001:db8:aa::8', 'public IPv6, next to our own'],
];

test('the relay refuses loopback, private, special and own addresses, also inside IPv6', () => {
  for (const [address, why] of refused) assert.equal(production(address), false, `${address} (${why}) must be refused`);
  for (const [address, why] of allowed) assert.equal(production(address), true, `${address} (${why}) must be allowed`);
});

test('tests on one machine may reach loopback, and nothing else that production refuses', () => {
  for (const address of ['127.0.0.1', '127.0.0.2', '::1']) assert.equal(onOneMachine(address), true, address);
  for (const [address, why] of refused) {
    if (['127.0.0.1', '127.8.9.10', '::1'].includes(address)) continue;
    assert.equal(onOneMachine(address), false, `${address} (${why})`);
  }
});

test('the host\'s interface addresses are read by default', () => {
  const policy = peerAddressPolicy({ allowLoopback: false });
  assert.equal(policy('8.8.8.8'), true);
  assert.equal(policy('127.0.0.1'), false);
});

test('a lab may allow its own "internet" range by name, never the host itself nor anything else', () => {
  const lab = peerAddressPolicy({ allowLoopback: false, interfaceAddresses: () => ['198.18.0.1'], allowedNetworks: ['198.18.0.0/15'] });
  assert.equal(lab('198.18.1.7'), true, 'a lab router');
  assert.equal(lab('198.19.255.1'), true);
  assert.equal(lab('198.18.0.1'), false, 'the server host itself stays refused');
  for (const address of ['10.0.0.1', '127.0.0.1', '169.254.169.254', '192.168.1.1']) assert.equal(lab(address), false, address);
  assert.throws(() => peerAddressPolicy({ allowLoopback: false, allowedNetworks: ['198.18.0.0'] }), /not a network/);
  assert.throws(() => peerAddressPolicy({ allowLoopback: false, allowedNetworks: ['198.18.0.0/33'] }), /not a network/);
});
