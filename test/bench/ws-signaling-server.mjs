// The baseline for `npm run bench -- signaling`: the same relay workload on a plain `ws` server
// (rooms, `from` stamped, relay only within a room, JSON parsed and checked), without uWebSockets.js.
import { WebSocketServer } from 'ws';
import { randomBytes } from 'node:crypto';

const server = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT), maxPayload: 65536 });
const sockets = new Map();
const roomOf = new Map();
const rooms = new Map();
server.on('connection', (ws) => {
  const peerId = randomBytes(12).toString('base64url');
  sockets.set(peerId, ws);
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ws.send(JSON.stringify({ type: 'error', code: 'bad-message', message: 'binary' }));
    let m;
    try {
      m = JSON.parse(String(data));
    } catch {
      return ws.send(JSON.stringify({ type: 'error', code: 'bad-message', message: 'json' }));
    }
    if (m?.type === 'join-room' && typeof m.room === 'string') {
      const members = rooms.get(m.room) ?? new Set();
      rooms.set(m.room, members);
      const peers = [...members].map((id) => ({ peerId: id, name: '' }));
      members.add(peerId);
      roomOf.set(peerId, m.room);
      ws.send(JSON.stringify({ type: 'welcome', peerId, room: m.room, name: '', peers }));
      for (const other of peers) sockets.get(other.peerId)?.send(JSON.stringify({ type: 'peer-joined', peerId, name: '' }));
      return;
    }
    if ((m?.type === 'offer' || m?.type === 'answer') && typeof m.to === 'string' && typeof m.sdp === 'string') {
      if (roomOf.get(m.to) !== roomOf.get(peerId)) return ws.send(JSON.stringify({ type: 'error', code: 'unknown-peer', message: 'no such peer' }));
      sockets.get(m.to)?.send(JSON.stringify({ type: m.type, from: peerId, sdp: m.sdp }));
      return;
    }
    ws.send(JSON.stringify({ type: 'error', code: 'bad-message', message: 'unknown' }));
  });
  ws.on('close', () => {
    sockets.delete(peerId);
    const room = roomOf.get(peerId);
    roomOf.delete(peerId);
    rooms.get(room)?.delete(peerId);
  });
});
server.on('listening', () => process.send?.({ type: 'ready' }));
