/**
 * V8 CPU profiles of every page, worker and service worker of a browser over a window of a
 * benchmark, through the browser's DevTools protocol (Target.attachToTarget + Profiler). Written as
 * .cpuprofile files (open them in DevTools' Performance panel) and summarised as the functions
 * that spent the most self time. The sampling itself costs CPU: profile a separate run from the one
 * whose CPU is measured.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Starts the profiler in each target; the returned function stops them and writes `<dir>/<label>-<target>.cpuprofile`. */
export async function profileBrowser(browser: Browser, label: string, dir: string): Promise<() => Promise<string[]>> {
  const cdp = await browser.newBrowserCDPSession();
  const waiting = new Map<number, (result: unknown) => void>();
  let nextId = 1;
  // Unflattened sessions: playwright's CDPSession speaks to one target, so the messages for the
  // attached ones travel inside Target.sendMessageToTarget / receivedMessageFromTarget.
  cdp.on('Target.receivedMessageFromTarget', (event: { message: string }) => {
    const message = JSON.parse(event.message) as { id?: number; result?: unknown; error?: unknown };
    if (message.id === undefined) return;
    waiting.get(message.id)?.(message.result ?? message.error);
    waiting.delete(message.id);
  });
  const call = (sessionId: string, method: string, params: object = {}) =>
    new Promise<any>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  const { targetInfos } = await cdp.send('Target.getTargets');
  const sessions: { sessionId: string; name: string }[] = [];
  for (const target of targetInfos) {
    if (!['page', 'worker', 'service_worker'].includes(target.type)) continue;
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
    await call(sessionId, 'Profiler.enable');
    await call(sessionId, 'Profiler.setSamplingInterval', { interval: 1000 });
    await call(sessionId, 'Profiler.start');
    const file = new URL(target.url || 'about:blank').pathname.split('/').pop() || 'page';
    sessions.push({ sessionId, name: `${target.type}-${file}`.replace(/[^\w.-]/g, '_') });
  }
  return async () => {
    const summaries: string[] = [];
    for (const { sessionId, name } of sessions) {
      const result = (await call(sessionId, 'Profiler.stop')) as { profile?: CpuProfile };
      if (!result?.profile) continue;
      await writeFile(join(dir, `${label}-${name}.cpuprofile`), JSON.stringify(result.profile));
      summaries.push(summarize(`${label} ${name}`, result.profile));
    }
    await cdp.detach();
    return summaries;
  };
}

/** The busiest functions by self time, one line each. */
function summarize(title: string, profile: CpuProfile, top = 8): string {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)!.callFrame;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop() ?? ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  self.delete('(idle)');
  const busy = [...self.values()].reduce((a, b) => a + b, 0);
  const lines = [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, ms]) => `    ${Math.round(ms)} ms ${key}`);
  return [`  ${title}: ${Math.round(busy)} ms busy`, ...lines].join('\n');
}
