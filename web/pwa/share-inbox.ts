/**
 * Files the OS share sheet handed to the service worker wait in OPFS's inbox (sw/share-target.ts);
 * at start the page shares each one (hashed, stored, seeded, shown in Files like a picked file) and
 * then deletes its inbox copy, whether the share worked or not (a failure shows on the share).
 */
import type { Engine } from '../engine/engine.js';
import { INBOX_DIR } from '../../workers/storage-layout.js';

type IterableDirectory = FileSystemDirectoryHandle & { entries(): AsyncIterableIterator<[string, FileSystemHandle]> };

/** Shares what the inbox holds; resolves once every file was taken (their imports go on). */
export async function shareInbox(engine: Pick<Engine, 'share'>, root?: FileSystemDirectoryHandle): Promise<number> {
  root ??= await navigator.storage.getDirectory();
  let inbox: IterableDirectory;
  try {
    inbox = (await root.getDirectoryHandle(INBOX_DIR)) as IterableDirectory;
  } catch {
    return 0; // nothing was ever shared to the app
  }
  let taken = 0;
  for await (const [batchName, batch] of inbox.entries()) {
    if (batch.kind !== 'directory') continue;
    const sharing: Promise<unknown>[] = [];
    for await (const [, handle] of (batch as IterableDirectory).entries()) {
      if (handle.kind !== 'file') continue;
      sharing.push(engine.share(await (handle as FileSystemFileHandle).getFile()));
      taken++;
    }
    // The batch goes once every share holds its own copy (or failed, and says why on the share):
    // a File from OPFS reads the file on disk, so not before.
    void Promise.allSettled(sharing).then(() => inbox.removeEntry(batchName, { recursive: true }).catch(() => undefined));
  }
  return taken;
}
