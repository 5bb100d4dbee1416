/** The selected ICE candidate pairs of a lab browser's peer connections, read through the engine. */
import type { Page } from 'playwright-core';

export interface PairStats {
  localCandidateType?: string;
  remoteCandidateType?: string;
}

export async function selectedPairs(page: Page): Promise<PairStats[]> {
  return page.evaluate(async () => {
    const engine = (globalThis as unknown as { shoal: { connectionStats(): Promise<Record<string, PairStats>> } }).shoal;
    return Object.values(await engine.connectionStats());
  });
}

export const isRelayed = (pair: PairStats) => pair.localCandidateType === 'relay' || pair.remoteCandidateType === 'relay';

/** Waits until one of the page's connections uses a pair that `accept` likes, and returns it. */
export async function waitForPair(page: Page, accept: (pair: PairStats) => boolean, what: string, timeoutMs = 30_000): Promise<PairStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pairs = await selectedPairs(page);
    const good = pairs.find(accept);
    if (good) return good;
    if (Date.now() > deadline) throw new Error(`no ${what} pair within ${timeoutMs} ms: ${JSON.stringify(pairs)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
