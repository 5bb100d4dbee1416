import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressRoomName } from '../../server/address-room.js';
import { clientAddress, normaliseAddress } from '../../server/client-address.js';
import { RoomFullError, Rooms } from '../../server/rooms.js';
import { TokenBucket } from '../../server/token-bucket.js';
import { issueTurnCredential, passwordForUsername, turnPassword } from '../../server/turn/rest-credentials.js';
import { loadConfig, ConfigError } from '../../server/config.js';
import { isAddressRoomName } from '../../protocol/index.js';
import { iceServersFor } from '../../server/app.js';

const share = (n: number) => ({ id: n.toString(16).padStart(64, '0'), name: `f${n}`, size: n });

test('rooms: join, roommates, leave, and the announcement index', () => {
  const rooms = new Rooms(3);
  assert.deepEqual(rooms.join('r', { peerId: 'a', name: 'A' }), []);
  assert.deepEqual(rooms.join('r', { peerId: 'b', name: 'B' }), [{ peerId: 'a', name: 'A' }]);
  rooms.join('other', { peerId: 'x', name: 'X' });
  assert.deepEqual(rooms.roommates('a'), ['b']);
  assert.ok(rooms.sameRoom('a', 'b'));
  assert.ok(!rooms.sameRoom('a', 'x'), 'peers of other rooms are unreachable');
  assert.ok(!rooms.sameRoom('a', 'a'));
  assert.deepEqual(rooms.announce('a', [share(1), share(2)], { perPeer: 10, perRoom: 100 }), { added: [share(1), share(2)], refused: 0 });
  assert.deepEqual(rooms.announce('a', [share(2), share(1)], { perPeer: 10, perRoom: 100 }), { added: [], refused: 0 }, 'a delta: nothing new');
  assert.deepEqual(rooms.holders('b'), [{ peerId: 'a', shares: [share(1), share(2)] }]);
  assert.deepEqual(rooms.holders('b', share(2).id), [{ peerId: 'a', shares: [share(2)] }]);
  assert.deepEqual(rooms.holders('x'), [], 'other rooms see nothing');
  assert.deepEqual(rooms.withdraw('a', [share(1).id, share(1).id, share(9).id]), [share(1).id], 'only what it held, once');
  assert.deepEqual(rooms.holders('b'), [{ peerId: 'a', shares: [share(2)] }]);
  assert.deepEqual(rooms.withdraw('x', [share(2).id]), [], 'nobody withdraws another peer\'s share');
  assert.ok(rooms.rename('a', 'A2'));
  assert.deepEqual(rooms.join('r', { peerId: 'c', name: 'C' }), [{ peerId: 'a', name: 'A2' }, { peerId: 'b', name: 'B' }], 'a later joiner sees the new name');
  rooms.leave('c');
  assert.deepEqual(rooms.leave('a'), { room: 'r', remaining: ['b'] });
  assert.deepEqual(rooms.holders('b'), []);
  assert.equal(rooms.roomCount, 2);
  assert.equal(rooms.peerCount, 2);
});

test('rooms: peers per room, and shares per peer, per room and per call are bounded', () => {
  const rooms = new Rooms(3);
  rooms.join('r', { peerId: 'a', name: '' });
  rooms.join('r', { peerId: 'b', name: '' });
  rooms.join('r', { peerId: 'c', name: '' });
  assert.throws(() => rooms.join('r', { peerId: 'd', name: '' }), RoomFullError);
  const limits = { perPeer: 2, perRoom: 3 };
  assert.deepEqual(rooms.announce('a', [share(1), share(2), share(3)], limits), { added: [share(1), share(2)], refused: 1 });
  assert.deepEqual(rooms.announce('b', [share(4), share(5)], limits), { added: [share(4)], refused: 1 }, 'the room is full of shares');
  rooms.leave('a');
  assert.deepEqual(rooms.announce('b', [share(5)], limits), { added: [share(5)], refused: 0 }, 'leaving frees the room\'s count');
  assert.deepEqual(rooms.announce('c', [share(6), share(7)], { ...limits, perCall: 1 }), { added: [share(6)], refused: 1 }, 'what the address has left');
  assert.equal(rooms.shareCountOf('b'), 2);
});

test('rooms: snapshots and answers are bounded and shared fairly among holders', () => {
  const rooms = new Rooms();
  for (const id of ['me', 'big', 'small1', 'small2']) rooms.join('r', { peerId: id, name: '' });
  const limits = { perPeer: 1000, perRoom: 10_000 };
  rooms.announce('big', Array.from({ length: 500 }, (_, i) => share(1000 + i)), limits);
  rooms.announce('small1', [share(1), share(2)], limits);
  rooms.announce('small2', [share(3)], limits);
  const snapshot = rooms.holders('me', undefined, 30);
  assert.deepEqual(snapshot.map((h) => [h.peerId, h.shares.length]), [['big', 10], ['small1', 2], ['small2', 1]], 'a third of the limit each, at most');
  assert.equal(rooms.holders('me').reduce((n, h) => n + h.shares.length, 0), 503, 'unbounded by default');
  rooms.announce('small1', [share(1000)], limits);
  assert.deepEqual(rooms.holders('me', share(1000).id, 1).map((h) => h.peerId), ['big'], 'at most `limit` holders of one share');
});

test('token bucket: a burst, then the sustained rate', () => {
  let now = 0;
  const bucket = new TokenBucket(3, 2, () => now);
  assert.ok(bucket.take() && bucket.take() && bucket.take());
  assert.ok(!bucket.take());
  now = 500;
  assert.ok(bucket.take());
  assert.ok(!bucket.take());
});

test('address rooms: one per address, named by a keyed hash in the reserved namespace; uWS mapped addresses are normalised', () => {
  assert.equal(addressRoomName('1.2.3.4', 'k'), addressRoomName('1.2.3.4', 'k'));
  assert.notEqual(addressRoomName('1.2.3.4', 'k'), addressRoomName('1.2.3.5', 'k'));
  assert.notEqual(addressRoomName('1.2.3.4', 'k'), addressRoomName('1.2.3.4', 'other key'), 'without the key the name cannot be computed');
  assert.match(addressRoomName('1.2.3.4', 'k'), /^ip-[A-Za-z0-9_-]{22}$/);
  assert.ok(isAddressRoomName(addressRoomName('1.2.3.4', 'k')));
  for (const name of ['ip-x', 'IP-x', 'iP-']) assert.ok(isAddressRoomName(name), name);
  for (const name of ['ipx', 'my-ip-room', 'i']) assert.ok(!isAddressRoomName(name), name);
  assert.equal(normaliseAddress('0000:0000:0000:0000:0000:ffff:7f00:0001'), '127.0.0.1');
  assert.equal(normaliseAddress('::ffff:7f00:1'), '127.0.0.1');
  assert.equal(normaliseAddress('2001:DB8::1'), '2001:db8::1');
});

test('TURN REST credentials: HMAC-SHA1 of the username, expiring', () => {
  const now = 1_700_000_000_000;
  const cred = issueTurnCredential('secret', 3600, now, 'peer1');
  assert.equal(cred.username, `${now / 1000 + 3600}:peer1`);
  assert.equal(cred.credential, turnPassword('secret', cred.username));
  assert.equal(passwordForUsername('secret', cred.username, now), cred.credential);
  assert.equal(passwordForUsername('secret', cred.username, now + 3601_000), undefined, 'expired');
  assert.equal(passwordForUsername('secret', 'alice', now), undefined, 'not the REST form');
  assert.notEqual(turnPassword('other-secret', cred.username), cred.credential);
});

test('TURN usernames: prototype names resolve to no password (node-turn auth bypass, item 8)', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    assert.equal(passwordForUsername('secret', name, 0), undefined, name);
  }
  assert.equal(passwordForUsername('secret', `${10_000}:x`, 0), turnPassword('secret', `${10_000}:x`));
});

test('config: defaults, env overrides, and bad values', () => {
  const config = loadConfig({}, '/web');
  assert.equal(config.port, 8080);
  assert.equal(config.stunPort, 3478);
  assert.equal(config.turnPort, 3479);
  assert.ok(config.turnSecret.length >= 32, 'a random secret when none is set');
  assert.notEqual(loadConfig({}, '/web').turnSecret, config.turnSecret);
  const custom = loadConfig({ PORT: '9000', STUN_PORT: '4000', TURN_PORT: '4001', NODE_ENV: 'development', TURN_SECRET: 's' }, '/web');
  assert.deepEqual([custom.port, custom.stunPort, custom.turnPort, custom.env, custom.turnSecret], [9000, 4000, 4001, 'development', 's']);
  assert.throws(() => loadConfig({ PORT: 'eighty' }, '/web'), ConfigError);
  assert.throws(() => loadConfig({ TURN_PORT: '70000' }, '/web'), ConfigError);
  assert.deepEqual(config.turnRelayPorts, [49152, 65535]);
  assert.deepEqual(loadConfig({ TURN_RELAY_PORTS: '49160-49259' }, '/web').turnRelayPorts, [49160, 49259]);
  for (const bad of ['49160', '100-200', '5000-4000', '49160-70000', 'a-b']) assert.throws(() => loadConfig({ TURN_RELAY_PORTS: bad }, '/web'), ConfigError, bad);
  assert.equal(loadConfig({ TURN_LISTEN_IP: '0.0.0.0', TURN_PUBLIC_HOST: 'turn.example' }, '/web').turnExternalIp, 'turn.example', 'a wildcard relay advertises the public host');
  assert.equal(loadConfig({ TURN_LISTEN_IP: '0.0.0.0', TURN_EXTERNAL_IP: '203.0.113.9' }, '/web').turnExternalIp, '203.0.113.9');
  assert.equal(config.turnExternalIp, '');
  assert.equal(config.allowedOrigins, undefined, 'any origin by default');
  assert.deepEqual(loadConfig({ ALLOWED_ORIGINS: 'https://a.example, http://localhost:8080' }, '/web').allowedOrigins, ['https://a.example', 'http://localhost:8080']);
  for (const bad of ['a.example', 'https://a.example/path', 'https://a.example/']) assert.throws(() => loadConfig({ ALLOWED_ORIGINS: bad }, '/web'), ConfigError, bad);
  assert.equal(config.trustedProxyHops, 0);
  assert.equal(loadConfig({ TRUST_PROXY: '1' }, '/web').trustedProxyHops, 1);
  assert.equal(loadConfig({ TRUST_PROXY: 'true' }, '/web').trustedProxyHops, 1);
  assert.equal(loadConfig({ TRUST_PROXY: '2' }, '/web').trustedProxyHops, 2);
  for (const bad of ['yes', '-1', '1.5', '99']) assert.throws(() => loadConfig({ TRUST_PROXY: bad }, '/web'), ConfigError, bad);
  assert.equal(config.roomSecret, undefined, 'random per run (or shared through Redis) unless set');
  assert.equal(config.redisUrl, undefined, 'in memory by default');
  assert.equal(loadConfig({ REDIS_URL: 'redis://redis:6379' }, '/web').redisUrl, 'redis://redis:6379');
  for (const bad of ['redis', 'http://redis:6379']) assert.throws(() => loadConfig({ REDIS_URL: bad }, '/web'), ConfigError, bad);
  const external = loadConfig({ TURN_URLS: 'turn:turn.example:3478?transport=udp, turns:turn.example:5349?transport=tcp', TURN_SECRET: 's' }, '/web');
  const handed = iceServersFor(external).iceServers[1]!;
  assert.deepEqual(handed.urls, ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349?transport=tcp']);
  assert.equal(handed.credential, turnPassword('s', handed.username!), 'the same REST credentials, so coturn with use-auth-secret accepts them');
  for (const bad of ['http://x', 'turn:', 'turn:host:3478?transport=quic', 'turn:a b']) assert.throws(() => loadConfig({ TURN_URLS: bad }, '/web'), ConfigError, bad);
  assert.throws(() => loadConfig({ SIGNALING_MAX_SOCKETS_PER_IP: '0' }, '/web'), ConfigError);
});

test('client address: X-Forwarded-For only behind trusted proxies, and only the entry they appended', () => {
  assert.equal(clientAddress('::ffff:10.0.0.2', '203.0.113.5, 10.0.0.1', 0), '10.0.0.2', 'no proxy trusted: the socket');
  // One proxy that appends: the client wrote "203.0.113.5" itself; the proxy appended what it saw.
  assert.equal(clientAddress('::ffff:10.0.0.2', '203.0.113.5, 198.51.100.20', 1), '198.51.100.20', 'the last entry, not a spoofed first one');
  assert.equal(clientAddress('::ffff:10.0.0.2', '198.51.100.20', 1), '198.51.100.20');
  // Two proxies (CDN, then a load balancer): the entry the CDN appended, second from the right.
  assert.equal(clientAddress('::ffff:10.0.0.2', '1.1.1.1, 198.51.100.20, 10.0.0.9', 2), '198.51.100.20');
  assert.equal(clientAddress('::ffff:10.0.0.2', '10.0.0.9', 2), '10.0.0.2', 'fewer entries than proxies: not through them');
  assert.equal(clientAddress('::ffff:10.0.0.2', 'evil; drop table', 1), '10.0.0.2');
  assert.equal(clientAddress('::ffff:10.0.0.2', '203.0.113.5, evil', 1), '10.0.0.2', 'a garbled appended entry is not replaced by a spoofable one');
  assert.equal(clientAddress('::ffff:10.0.0.2', '', 1), '10.0.0.2');
  assert.equal(clientAddress('::ffff:10.0.0.2', ' , ::ffff:198.51.100.20 ', 1), '198.51.100.20');
});
