/**
 * Reads a Blob as a stream (in Chromium about twice as fast as slicing it) and hands it on in
 * batches of exactly `batchBytes`, the last one shorter: the loop the hasher and the import copy
 * share. With `reuse`, one buffer serves every batch (the consumer is done with it when `onBatch`
 * resolves); without, each batch gets a new buffer (the consumer may transfer it away).
 * `beforeRead` may throw to stop (a cancelled job). Returns the bytes read.
 */
export async function streamInBatches(
  blob: Blob,
  batchBytes: number,
  onBatch: (batch: Uint8Array<ArrayBuffer>) => Promise<void>,
  options: { reuse: boolean; beforeRead?: () => void },
): Promise<number> {
  let buffer = new Uint8Array(batchBytes);
  let filled = 0;
  let total = 0;
  const flush = async () => {
    const batch = buffer.subarray(0, filled);
    total += filled;
    filled = 0;
    if (!options.reuse) buffer = new Uint8Array(batchBytes);
    await onBatch(batch);
  };
  const reader = blob.stream().getReader();
  try {
    for (;;) {
      options.beforeRead?.();
      const { done, value } = await reader.read();
      if (done) break;
      for (let at = 0; at < value.byteLength; ) {
        const take = Math.min(value.byteLength - at, batchBytes - filled);
        buffer.set(value.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === batchBytes) await flush();
      }
    }
    if (filled > 0) await flush();
  } finally {
    reader.releaseLock();
  }
  return total;
}
