/** Reads the selected ICE candidate pair of a peer connection: how it is connected, and its RTT. */
export interface ConnectionStats {
  localCandidateType: string | undefined;
  remoteCandidateType: string | undefined;
  /** Seconds, from the selected pair's STUN consent checks. */
  roundTripTime: number | undefined;
  bytesSent: number;
  bytesReceived: number;
}

export async function connectionStats(pc: RTCPeerConnection): Promise<ConnectionStats | undefined> {
  const report = await pc.getStats();
  let pairId: string | undefined;
  report.forEach((entry: { type: string; selectedCandidatePairId?: string }) => {
    if (entry.type === 'transport' && entry.selectedCandidatePairId) pairId = entry.selectedCandidatePairId;
  });
  if (!pairId) return undefined;
  const pair = report.get(pairId) as RTCIceCandidatePairStats & { currentRoundTripTime?: number };
  const local = report.get(pair.localCandidateId) as { candidateType?: string } | undefined;
  const remote = report.get(pair.remoteCandidateId) as { candidateType?: string } | undefined;
  return {
    localCandidateType: local?.candidateType,
    remoteCandidateType: remote?.candidateType,
    roundTripTime: pair.currentRoundTripTime,
    bytesSent: pair.bytesSent ?? 0,
    bytesReceived: pair.bytesReceived ?? 0,
  };
}
