/**
 * Timing helpers shared by the transfer and lab benchmarks: plain data channels between pages (the
 * raw ceiling, with no protocol at all), and a Shoal download timed inside the page from the click
 * and from its first verified chunk.
 */
import type { Page } from 'playwright-core';
import { engineState } from '../e2e/harness.js';

const MiB = 1024 * 1024;

/**
 * Plain data channels from sender pages to one receiver page (as Shoal's 3→1: one page, a connection
 * per peer). `window.rawConfig` (an RTCConfiguration, e.g. the lab's STUN/TURN) is used when set.
 */
export const RAW_SETUP = `
  window.rawPcs = [];
  window.rawConnection = () => { const pc = new RTCPeerConnection(window.rawConfig); rawPcs.push(pc); return pc; };
  window.rawGathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });`;

/** One RTCPeerConnection and ordered channel from `sender` to `receiver`, SDP exchanged by this script (no trickle). */
export async function connectRaw(sender: Page, receiver: Page): Promise<void> {
  const offer = await sender.evaluate(async () => {
    const w = window as any;
    const pc = w.rawConnection();
    w.rawChannel = pc.createDataChannel('raw', { ordered: true });
    w.rawChannel.binaryType = 'arraybuffer';
    await pc.setLocalDescription();
    await w.rawGathered(pc);
    return pc.localDescription.toJSON();
  });
  const answer = await receiver.evaluate(async (offer) => {
    const w = window as any;
    const pc = w.rawConnection();
    pc.ondatachannel = ({ channel }: RTCDataChannelEvent) => {
      channel.binaryType = 'arraybuffer';
      channel.onmessage = (event) => {
        if (w.rawStarted === 0) w.rawStarted = performance.now();
        w.rawBytes += (event.data as ArrayBuffer).byteLength;
        if (w.rawBytes >= w.rawExpected) w.rawDone(performance.now() - w.rawStarted);
      };
    };
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription();
    await w.rawGathered(pc);
    return pc.localDescription.toJSON();
  }, offer);
  await sender.evaluate(async (answer) => {
    const w = window as any;
    await w.rawPcs.at(-1).setRemoteDescription(answer);
    if (w.rawChannel.readyState !== 'open') await new Promise((r) => (w.rawChannel.onopen = r));
  }, answer);
}

/** MiB/s of `totalBytes` in plain 64 KiB messages, split evenly between the senders, timed by the receiver. */
export async function rawDataChannel(senders: readonly Page[], receiver: Page, totalBytes: number): Promise<number> {
  await receiver.evaluate((n) => {
    const w = window as any;
    Object.assign(w, { rawExpected: n, rawBytes: 0, rawStarted: 0 });
    w.rawReceived = new Promise((resolve) => (w.rawDone = resolve));
  }, totalBytes);
  const receiving = receiver.evaluate(() => (window as any).rawReceived as Promise<number>);
  await Promise.all(
    senders.map((sender) =>
      sender.evaluate(async (total) => {
        const channel = (window as any).rawChannel as RTCDataChannel;
        channel.bufferedAmountLowThreshold = 256 * 1024;
        const message = new Uint8Array(65536);
        crypto.getRandomValues(message);
        for (let sent = 0; sent < total; sent += message.byteLength) {
          channel.send(message);
          if (channel.bufferedAmount > 1024 * 1024) await new Promise((r) => channel.addEventListener('bufferedamountlow', r, { once: true }));
        }
      }, totalBytes / senders.length),
    ),
  );
  const ms = await receiving;
  return totalBytes / MiB / (ms / 1000);
}

/**
 * Clicks Download and waits for the share to be seeded. Returns seconds from the click event
 * (connection setup and metadata included; not Playwright's wait for the button) and from the first
 * chunk stored (as the raw ceiling is timed from its first message). Both end when the page sees the
 * share seeding; the state is published every 200 ms, so the first-chunk start is up to 0.2 s late.
 * The end is awaited inside the page, as the raw ceiling's is: polling the state from here would
 * spend CPU on the Shoal side only.
 */
export async function timedDownload(page: Page, name: string, shareId: string): Promise<{ seconds: number; fromFirstChunk: number }> {
  await page.evaluate((id) => {
    const w = window as any;
    w.benchClicked = 0;
    w.benchFirstChunk = 0;
    w.benchUnsubscribe?.();
    document.addEventListener('click', () => (w.benchClicked ||= performance.now()), { capture: true, once: true });
    w.benchDone = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the download took over 600 s')), 600_000);
      w.benchUnsubscribe = w.shoal.store.subscribe((state: { shares: { id: string; bytesDone: number; status: string; error?: string }[] }) => {
        const share = state.shares.find((s) => s.id === id);
        if (share && share.bytesDone > 0 && !w.benchFirstChunk) w.benchFirstChunk = performance.now();
        if (share?.status === 'error') reject(new Error(`the download failed: ${share.error}`));
        if (share?.status !== 'seeding') return;
        clearTimeout(timer);
        resolve(performance.now());
      });
    });
  }, shareId);
  await page.getByRole('button', { name: `Download ${name}` }).click({ timeout: 15_000 }).catch(async (error: Error) => {
    const { shares, roomFiles, peers } = await engineState(page);
    throw new Error(`${error.message}\nleecher state: ${JSON.stringify({ shares: shares.map((s) => [s.name, s.status]), roomFiles, peers: peers.map((p) => p.name) })}`);
  });
  return page.evaluate(async () => {
    const w = window as any;
    const done: number = await w.benchDone;
    w.benchUnsubscribe();
    return { seconds: (done - w.benchClicked) / 1000, fromFirstChunk: (done - w.benchFirstChunk) / 1000 };
  });
}
