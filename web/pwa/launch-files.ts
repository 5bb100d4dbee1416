/**
 * The installed app opened with files: "Open with Shoal" in the OS, through the manifest's
 * `file_handlers`. The launch hands over file handles; each waits in the tray like a shared-in file
 * (web/pwa/share-inbox.ts) and, on Share, is shared where it lies, as a dropped one is (hashed once,
 * no copy, seeded on after a reload).
 */
import type { ShareInput } from '../engine/share-input.js';

/** What `window.launchQueue` hands its consumer (Chromium; the Launch Handler API). */
export interface LaunchParams {
  readonly targetURL?: string;
  readonly files?: readonly FileSystemHandle[];
}

/** The launch's readable files as share inputs with their handles (folders are not offered by file handlers). */
export async function launchedFiles(handles: readonly FileSystemHandle[]): Promise<{ input: ShareInput; name: string; size: number }[]> {
  const out: { input: ShareInput; name: string; size: number }[] = [];
  for (const handle of handles) {
    if (handle.kind !== 'file') continue;
    const fileHandle = handle as FileSystemFileHandle;
    try {
      const file = await fileHandle.getFile();
      out.push({ input: { handle: fileHandle, file }, name: file.name, size: file.size });
    } catch {
      // gone or unreadable since the OS handed it over: nothing to offer
    }
  }
  return out;
}
