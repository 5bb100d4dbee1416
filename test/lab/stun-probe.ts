/**
 * Run inside a lab host (`ip netns exec <host> node --import tsx test/lab/stun-probe.ts HOST:PORT…`):
 * sends a STUN Binding request to each target from one UDP socket and prints, as one JSON line, the
 * reflexive address each answered with (null where none answered within 2 s). Behind an
 * endpoint-independent NAT every target sees the same address and port; behind a symmetric one,
 * each destination gets a port of its own.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { attribute, Attr, Class, decodeStun, decodeXorAddress, encodeXorAddress, Method, StunWriter } from '../../server/turn/stun-codec.js';

// `--serve ADDRESS:PORT`: answer Binding requests there instead (the lab's second server address).
if (process.argv[2] === '--serve') {
  const [host, port] = process.argv[3]!.split(':') as [string, string];
  const server = createSocket('udp4');
  server.on('message', (data, rinfo) => {
    const decoded = decodeStun(data);
    if (!decoded.ok || decoded.message.method !== Method.Binding || decoded.message.class !== Class.Request) return;
    const reply = new StunWriter(Method.Binding, Class.Success, decoded.message.transactionId);
    reply.add(Attr.XorMappedAddress, encodeXorAddress({ family: 4, address: rinfo.address, port: rinfo.port }, decoded.message.transactionId));
    server.send(reply.encode(), rinfo.port, rinfo.address);
  });
  server.bind(Number(port), host);
  await new Promise(() => undefined); // until killed
}

const targets = process.argv.slice(2).map((t) => {
  const at = t.lastIndexOf(':');
  return { host: t.slice(0, at), port: Number(t.slice(at + 1)) };
});
const socket = createSocket('udp4');
await new Promise<void>((resolve) => socket.bind(0, resolve));
const answers = new Map<string, string>();
socket.on('message', (data) => {
  const decoded = decodeStun(data);
  if (!decoded.ok) return;
  const value = attribute(decoded.message, Attr.XorMappedAddress);
  const mapped = value && decodeXorAddress(value, decoded.message.transactionId);
  if (mapped) answers.set(decoded.message.transactionId.toString('hex'), `${mapped.address}:${mapped.port}`);
});
const ids = targets.map(() => randomBytes(12));
for (let attempt = 0; attempt < 4; attempt++) {
  targets.forEach((target, i) => {
    if (!answers.has(ids[i]!.toString('hex'))) socket.send(new StunWriter(Method.Binding, Class.Request, ids[i]!).encode(), target.port, target.host);
  });
  await new Promise((r) => setTimeout(r, 500));
}
console.log(JSON.stringify(targets.map((t, i) => ({ target: `${t.host}:${t.port}`, mapped: answers.get(ids[i]!.toString('hex')) ?? null }))));
socket.close();
