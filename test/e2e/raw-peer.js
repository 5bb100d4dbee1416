// A raw WebRTC peer in a Chromium page, for tests that speak the peer wire by hand
// (test/e2e/private-share.test.ts): `open(n)` opens n "shoal/1" channels to one peer, signaling
// through the test's binding `rawOut(message)`; `signal(message)` takes the peer's answer and
// candidates; `send(i, hex)` sends a frame on channel i; `received[i]` holds what came back (hex).
globalThis.rawPeer = (() => {
  const pc = new RTCPeerConnection();
  const channels = [];
  const received = [];
  const early = [];
  pc.onicecandidate = (event) => globalThis.rawOut({ type: 'ice-candidate', candidate: event.candidate ? event.candidate.toJSON() : null });
  const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  const unhex = (text) => Uint8Array.from(text.match(/../g), (h) => parseInt(h, 16));
  return {
    received,
    async open(count) {
      for (let i = 0; i < count; i++) {
        const channel = pc.createDataChannel('shoal/1');
        channel.binaryType = 'arraybuffer';
        received.push([]);
        channel.onmessage = (event) => received[i].push(hex(new Uint8Array(event.data)));
        channels.push(new Promise((resolve) => (channel.onopen = () => resolve(channel))));
      }
      await pc.setLocalDescription(await pc.createOffer());
      globalThis.rawOut({ type: 'offer', sdp: pc.localDescription.sdp });
      await Promise.all(channels);
    },
    async signal(message) {
      if (message.type === 'answer') {
        await pc.setRemoteDescription({ type: 'answer', sdp: message.sdp });
        for (const candidate of early.splice(0)) await pc.addIceCandidate(candidate).catch(() => undefined);
      } else if (message.type === 'ice-candidate' && message.candidate) {
        if (pc.remoteDescription) await pc.addIceCandidate(message.candidate).catch(() => undefined);
        else early.push(message.candidate);
      }
    },
    /** Sends a frame on channel i; false when the other end has closed it already. */
    async send(i, frame) {
      const channel = await channels[i];
      if (channel.readyState !== 'open') return false;
      channel.send(unhex(frame));
      return true;
    },
    states: async () => Promise.all(channels.map(async (c) => (await c).readyState)),
  };
})();
