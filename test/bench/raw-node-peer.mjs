// A raw node-datachannel peer for the node benchmark (a child process; the parent relays its
// messages): one ordered channel, plain 64 KiB messages backpressured at 1 MiB, no protocol: the
// ceiling Shoal's headless peer is measured against. Descriptions are exchanged whole, after ICE
// gathering (no trickle). Messages from the parent:
//   { type: 'offer' }          -> { type: 'offer', sdp }        (the sender)
//   { type: 'answer', sdp }    -> { type: 'answer', sdp }       (the receiver, given the offer)
//   { type: 'accept', sdp }    -> { type: 'open' }              (the sender, given the answer)
//   { type: 'expect', bytes }  -> { type: 'received', ms }      (the receiver: first to last message)
//   { type: 'send', bytes }    -> { type: 'sent' }
import { RTCPeerConnection } from 'node-datachannel/polyfill';

const pc = new RTCPeerConnection({ iceServers: [] });
let channel;
let expected = Infinity;
let received = 0;
let started = 0;

const gathered = () =>
  new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });

function count(event) {
  if (started === 0) started = performance.now();
  received += event.data.byteLength;
  if (received >= expected) process.send({ type: 'received', ms: performance.now() - started });
}

process.on('message', async (message) => {
  if (message.type === 'offer') {
    channel = pc.createDataChannel('raw', { ordered: true });
    await pc.setLocalDescription({ type: 'offer' });
    await gathered();
    process.send({ type: 'offer', sdp: pc.localDescription.sdp });
  } else if (message.type === 'answer') {
    pc.ondatachannel = ({ channel: incoming }) => (incoming.onmessage = count);
    await pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
    await pc.createAnswer();
    await gathered();
    process.send({ type: 'answer', sdp: pc.localDescription.sdp });
  } else if (message.type === 'accept') {
    await pc.setRemoteDescription({ type: 'answer', sdp: message.sdp });
    if (channel.readyState !== 'open') await new Promise((resolve) => (channel.onopen = resolve));
    process.send({ type: 'open' });
  } else if (message.type === 'expect') {
    expected = message.bytes;
    received = 0;
    started = 0;
  } else if (message.type === 'send') {
    channel.bufferedAmountLowThreshold = 256 * 1024;
    const chunk = new Uint8Array(65536).map((_, i) => i);
    for (let sent = 0; sent < message.bytes; sent += chunk.byteLength) {
      channel.send(chunk);
      if (channel.bufferedAmount > 1024 * 1024) await new Promise((resolve) => channel.addEventListener('bufferedamountlow', resolve, { once: true }));
    }
    process.send({ type: 'sent' });
  } else if (message.type === 'close') {
    pc.close();
    process.exit(0);
  }
});
process.send({ type: 'ready' });
