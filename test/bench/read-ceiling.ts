/**
 * How fast can any page read a file the user picked? The ceiling for sharing by handle, whatever the
 * share id is built from: a `File` handed to a blank page by its file input (no copy), read as 8 MiB
 * Blob slices in N dedicated workers, each worker taking every Nth slice; optionally with a WebCrypto
 * SHA-256 of every 64 KiB chunk (what an id made of chunk hashes would need, and no more).
 */
import type { BrowserContext } from 'playwright-core';

const SLICE = 8 * 1024 * 1024;
const CHUNK = 64 * 1024;
const BLANK_URL = 'http://127.0.0.1:9/read-ceiling.html';

const WORKER_SOURCE = `
onmessage = async ({ data: { file, first, step, slice, chunk, digest } }) => {
  try {
    let bytes = 0;
    for (let at = first * slice; at < file.size; at += step * slice) {
      const buffer = await file.slice(at, Math.min(file.size, at + slice)).arrayBuffer();
      if (digest) {
        const work = [];
        for (let c = 0; c < buffer.byteLength; c += chunk) work.push(crypto.subtle.digest('SHA-256', new Uint8Array(buffer, c, Math.min(chunk, buffer.byteLength - c))));
        await Promise.all(work);
      }
      bytes += buffer.byteLength;
    }
    postMessage(bytes);
  } catch (error) {
    postMessage(String(error));
  }
};`;

export interface ReadCeiling {
  workers: number;
  digest: boolean;
  seconds: number;
}

/** Reads the file at `path` once per entry of `runs` in a new blank page of `context`; seconds each. */
export async function readCeiling(context: BrowserContext, path: string, runs: { workers: number; digest: boolean }[]): Promise<ReadCeiling[]> {
  const page = await context.newPage();
  try {
    // A page of its own on a loopback origin: a secure context (WebCrypto) without the app's CSP.
    await page.route(BLANK_URL, (route) => route.fulfill({ contentType: 'text/html', body: '<input type="file">' }));
    await page.goto(BLANK_URL);
    await page.locator('input').setInputFiles(path);
    const results: ReadCeiling[] = [];
    for (const run of runs) {
      const seconds = await page.evaluate(
        async ({ source, workers, digest, slice, chunk }) => {
          const file = document.querySelector('input')!.files![0]!;
          const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
          const pool = Array.from({ length: workers }, () => new Worker(url));
          const started = performance.now();
          const read = await Promise.all(
            pool.map(
              (worker, first) =>
                new Promise<number>((resolve, reject) => {
                  worker.onmessage = ({ data }) => (typeof data === 'number' ? resolve(data) : reject(new Error(data)));
                  worker.onerror = (event) => reject(new Error(event.message));
                  worker.postMessage({ file, first, step: workers, slice, chunk, digest });
                }),
            ),
          );
          const elapsed = (performance.now() - started) / 1000;
          pool.forEach((worker) => worker.terminate());
          URL.revokeObjectURL(url);
          const total = read.reduce((a, b) => a + b, 0);
          if (total !== file.size) throw new Error(`read ${total} of ${file.size} bytes`);
          return elapsed;
        },
        { source: WORKER_SOURCE, ...run, slice: SLICE, chunk: CHUNK },
      );
      results.push({ ...run, seconds });
    }
    return results;
  } finally {
    await page.close();
  }
}
