import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientMessage, parseServerMessage, SignalingMessageError } from '../../protocol/index.js';

const id = 'c'.repeat(64);
const share = { id, name: 'a.txt', size: 3 };

test('valid client messages parse to their typed form', () => {
  assert.deepEqual(parseClientMessage('{"type":"join-room"}'), { type: 'join-room' });
  assert.deepEqual(parseClientMessage('{"type":"join-room","room":"team-7","name":"Teal Otter"}'), { type: 'join-room', room: 'team-7', name: 'Teal Otter' });
  assert.deepEqual(parseClientMessage(JSON.stringify({ type: 'offer', to: 'peer_1', sdp: 'v=0' })), { type: 'offer', to: 'peer_1', sdp: 'v=0' });
  assert.deepEqual(parseClientMessage(JSON.stringify({ type: 'answer', to: 'peer_1', sdp: 'v=0' })), { type: 'answer', to: 'peer_1', sdp: 'v=0' });
  assert.deepEqual(
    parseClientMessage(JSON.stringify({ type: 'ice-candidate', to: 'p', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } })),
    { type: 'ice-candidate', to: 'p', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
  );
  assert.deepEqual(parseClientMessage(JSON.stringify({ type: 'ice-candidate', to: 'p', candidate: null })), { type: 'ice-candidate', to: 'p', candidate: null });
  assert.deepEqual(parseClientMessage(JSON.stringify({ type: 'announce-file', shares: [share] })), { type: 'announce-file', shares: [share] });
  assert.deepEqual(parseClientMessage(JSON.stringify({ type: 'request-file', id })), { type: 'request-file', id });
  assert.deepEqual(parseClientMessage('{"type":"ping"}'), { type: 'ping' });
});

test('a client cannot smuggle a from field: unknown fields are dropped', () => {
  const parsed = parseClientMessage(JSON.stringify({ type: 'offer', to: 'p', sdp: 'v=0', from: 'someone-else' }));
  assert.equal('from' in parsed, false);
});

test('invalid client messages are refused with a typed error and code', () => {
  const cases: [string, string][] = [
    ['not json', 'bad-message'],
    ['[]', 'bad-message'],
    ['null', 'bad-message'],
    ['{"type":5}', 'bad-message'],
    ['{"type":"launch-missiles"}', 'unknown-type'],
    ['{"type":"__proto__"}', 'unknown-type'],
    [JSON.stringify({ type: 'offer', to: 'p' }), 'bad-message'],
    [JSON.stringify({ type: 'offer', to: 'bad id!', sdp: 'v=0' }), 'bad-message'],
    [JSON.stringify({ type: 'offer', to: 'p', sdp: 'x'.repeat(40_000) }), 'bad-message'],
    [JSON.stringify({ type: 'join-room', room: '../../etc' }), 'bad-message'],
    [JSON.stringify({ type: 'join-room', room: 'r'.repeat(65) }), 'bad-message'],
    [JSON.stringify({ type: 'ice-candidate', to: 'p', candidate: { candidate: 1 } }), 'bad-message'],
    [JSON.stringify({ type: 'ice-candidate', to: 'p', candidate: { candidate: '', sdpMLineIndex: -1 } }), 'bad-message'],
    [JSON.stringify({ type: 'announce-file', shares: 'all' }), 'bad-message'],
    [JSON.stringify({ type: 'announce-file', shares: [{ ...share, id: 'nothex' }] }), 'bad-message'],
    [JSON.stringify({ type: 'announce-file', shares: [{ ...share, size: -5 }] }), 'bad-message'],
    [JSON.stringify({ type: 'announce-file', shares: new Array(257).fill(share) }), 'limit'],
    [JSON.stringify({ type: 'request-file', id: id.toUpperCase() }), 'bad-message'],
    ['{"type":"ping","pad":"' + 'x'.repeat(70_000) + '"}', 'too-large'],
  ];
  for (const [text, code] of cases) {
    assert.throws(
      () => parseClientMessage(text),
      (error: unknown) => error instanceof SignalingMessageError && error.name === 'SignalingMessageError' && error.code === code,
      text.slice(0, 60),
    );
  }
});

test('server messages: known types are validated, unknown types are skipped', () => {
  const token = 'T'.repeat(32);
  assert.deepEqual(parseServerMessage(JSON.stringify({ type: 'welcome', peerId: 'me', room: 'r', name: 'n', peers: [{ peerId: 'p', name: '' }], resumeToken: token, resumed: true })), {
    type: 'welcome',
    peerId: 'me',
    room: 'r',
    name: 'n',
    peers: [{ peerId: 'p', name: '' }],
    resumeToken: token,
    resumed: true,
  });
  assert.throws(() => parseServerMessage(JSON.stringify({ type: 'welcome', peerId: 'me', room: 'r', name: 'n', peers: [], resumeToken: 'short' })), SignalingMessageError);
  assert.deepEqual(parseServerMessage(JSON.stringify({ type: 'files', holders: [{ peerId: 'p', shares: [share] }] })), { type: 'files', holders: [{ peerId: 'p', shares: [share] }] });
  assert.equal(parseServerMessage('{"type":"from-the-future"}'), null);
  assert.throws(() => parseServerMessage(JSON.stringify({ type: 'offer', sdp: 'v=0' })), SignalingMessageError, 'relay without from');
  assert.throws(() => parseServerMessage(JSON.stringify({ type: 'welcome', peerId: 'me' })), SignalingMessageError);
});
