/** The TURN allocation table's relay-port permissions (server/turn/allocations.ts): per port, with their expiry. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Allocations, type Allocation } from '../../server/turn/allocations.js';

function allocation(port: number): Allocation {
  return {
    key: `198.51.100.1|${port}`,
    client: { address: '198.51.100.1', port, family: 'IPv4', size: 0 },
    username: 'u',
    user: 'u',
    clientAddress: '198.51.100.1',
    hmacKey: Buffer.alloc(16),
    relay: { close: () => undefined } as unknown as Allocation['relay'],
    relayed: { family: 4, address: '203.0.113.5', port: 50_000 + port },
    expiresAt: 600_000,
    permissions: new Map(),
    relayPorts: new Map(),
    channels: new Map(),
    channelOfPeer: new Map(),
    toPeers: undefined,
    toClient: undefined,
    transactionId: Buffer.alloc(12),
    response: Buffer.alloc(0),
  };
}

test('a permission for one relay of this host does not admit its other relays; it expires with its permission', () => {
  let now = 0;
  const allocations = new Allocations(() => now);
  const victim = allocation(1);
  allocations.add(victim);
  // The victim permitted its peer's relay (port 50002): the host's IP is now permitted too.
  victim.permissions.set('203.0.113.5', 300_000);
  allocations.permitRelayPort(victim, 50_002, 300_000);
  assert.ok(allocations.permitsRelayPort(victim, 50_002));
  assert.ok(!allocations.permitsRelayPort(victim, 50_003), 'another relay on the same IP is not admitted');
  now = 300_000;
  assert.ok(!allocations.permitsRelayPort(victim, 50_002), 'expired with its permission');
  allocations.sweep();
  assert.equal(victim.relayPorts.size, 0, 'and swept');
});
