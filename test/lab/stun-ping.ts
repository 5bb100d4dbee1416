/**
 * A ping across the lab (`ip netns exec <host> node --import tsx test/lab/stun-ping.ts HOST:PORT COUNT`):
 * sends COUNT STUN Binding requests to a STUN server one after another (the next when the answer
 * came, or after 1 s) and prints, as one JSON line, each round trip in ms (null where none came).
 * UDP, as WebRTC's traffic is, and through the same NATs and delay lines.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { Class, decodeStun, Method, StunWriter } from '../../server/turn/stun-codec.js';

const [target = '', countText = '10'] = process.argv.slice(2);
const at = target.lastIndexOf(':');
const host = target.slice(0, at);
const port = Number(target.slice(at + 1));
const socket = createSocket('udp4');
await new Promise<void>((resolve) => socket.bind(0, resolve));
const rttsMs: (number | null)[] = [];
for (let i = 0; i < Number(countText); i++) {
  const id = randomBytes(12);
  const sent = process.hrtime.bigint();
  const rtt = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => (socket.off('message', onMessage), resolve(null)), 1000);
    function onMessage(data: Buffer) {
      const decoded = decodeStun(data);
      if (!decoded.ok || !decoded.message.transactionId.equals(id) || decoded.message.class !== Class.Success) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(Number(process.hrtime.bigint() - sent) / 1e6);
    }
    socket.on('message', onMessage);
    socket.send(new StunWriter(Method.Binding, Class.Request, id).encode(), port, host);
  });
  rttsMs.push(rtt === null ? null : Math.round(rtt * 100) / 100);
}
console.log(JSON.stringify({ target, rttsMs }));
socket.close();
