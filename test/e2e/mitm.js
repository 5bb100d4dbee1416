// The man in the middle, run in a Chromium page (test/e2e/private-mitm.test.ts): one connection to
// each of two peers, each answered in the other's name with this page's own SDP (its own DTLS
// certificates); every data channel one peer opens is opened again on the other connection and
// every message relayed both ways. `mitmOut(side, message)` is the test's binding: it sends a
// signaling message to peer `side` ('A' or 'B') as if the other peer had sent it.
globalThis.mitm = (() => {
  const out = (side, message) => globalThis.mitmOut(side, message);
  const stats = { relayed: 0, channels: 0 };
  const early = { A: [], B: [] };
  let pcA;
  let pcB;

  const addCandidate = async (pc, side, candidate) => {
    if (!candidate) return;
    if (pc && pc.remoteDescription) await pc.addIceCandidate(candidate).catch(() => undefined);
    else early[side].push(candidate);
  };
  const flushCandidates = async (pc, side) => {
    for (const candidate of early[side].splice(0)) await pc.addIceCandidate(candidate).catch(() => undefined);
  };

  const connectionTo = (side) => {
    const pc = new RTCPeerConnection();
    pc.onicecandidate = (event) => out(side, { type: 'ice-candidate', candidate: event.candidate ? event.candidate.toJSON() : null });
    return pc;
  };

  const towardA = () => {
    if (pcA) return pcA;
    pcA = connectionTo('A');
    pcA.onnegotiationneeded = async () => {
      await pcA.setLocalDescription(await pcA.createOffer());
      out('A', { type: 'offer', sdp: pcA.localDescription.sdp });
    };
    return pcA;
  };

  const bridge = (fromB) => {
    stats.channels++;
    const toA = towardA().createDataChannel(fromB.label, { ordered: fromB.ordered });
    fromB.binaryType = 'arraybuffer';
    toA.binaryType = 'arraybuffer';
    const held = [];
    fromB.onmessage = (event) => {
      stats.relayed += event.data.byteLength;
      if (toA.readyState === 'open') toA.send(event.data);
      else held.push(event.data);
    };
    toA.onopen = () => held.splice(0).forEach((data) => toA.send(data));
    toA.onmessage = (event) => {
      stats.relayed += event.data.byteLength;
      if (fromB.readyState === 'open') fromB.send(event.data);
    };
    fromB.onclose = () => toA.close();
    toA.onclose = () => fromB.close();
  };

  const fromB = async (message) => {
    if (message.type === 'offer') {
      if (!pcB) {
        pcB = connectionTo('B');
        pcB.ondatachannel = (event) => bridge(event.channel);
      }
      await pcB.setRemoteDescription({ type: 'offer', sdp: message.sdp });
      await flushCandidates(pcB, 'B');
      await pcB.setLocalDescription(await pcB.createAnswer());
      out('B', { type: 'answer', sdp: pcB.localDescription.sdp });
    } else if (message.type === 'ice-candidate') {
      await addCandidate(pcB, 'B', message.candidate);
    }
  };

  const fromA = async (message) => {
    if (message.type === 'answer') {
      await pcA.setRemoteDescription({ type: 'answer', sdp: message.sdp });
      await flushCandidates(pcA, 'A');
    } else if (message.type === 'offer') {
      const pc = towardA();
      await pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
      await flushCandidates(pc, 'A');
      await pc.setLocalDescription(await pc.createAnswer());
      out('A', { type: 'answer', sdp: pc.localDescription.sdp });
    } else if (message.type === 'ice-candidate') {
      await addCandidate(pcA, 'A', message.candidate);
    }
  };

  return { fromA, fromB, stats };
})();
