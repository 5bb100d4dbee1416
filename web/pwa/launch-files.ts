/**
 * The installed app opened with files: "Open with Shoal" in the OS, through the manifest's
 * `file_handlers`. The launch hands over file handles, so each file is shared where it lies, as a
 * dropped one is (hashed once, no copy, seeded on after a reload).
 */
import type { Engine } from '../engine/engine.js';

/** What `window.launchQueue` hands its consumer (Chromium; the Launch Handler API). */
export interface LaunchParams {
  readonly targetURL?: string;
  readonly files?: readonly FileSystemHandle[];
}

/** Shares the launch's files by handle; returns how many it took (folders are not offered by file handlers). */
export async function shareLaunchedFiles(engine: Pick<Engine, 'share'>, handles: readonly FileSystemHandle[]): Promise<number> {
  let taken = 0;
  for (const handle of handles) {
    if (handle.kind !== 'file') continue;
    const fileHandle = handle as FileSystemFileHandle;
    let file: File;
    try {
      file = await fileHandle.getFile();
    } catch {
      continue; // gone or unreadable since the OS handed it over: nothing to share
    }
    // A failure shows on the share itself (the engine puts it in the list with its reason).
    void engine.share({ handle: fileHandle, file }).catch(() => undefined);
    taken++;
  }
  return taken;
}
