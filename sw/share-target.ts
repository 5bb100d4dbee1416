/**
 * The OS share sheet's way in (the manifest's `share_target`): a multipart POST to /share-target.
 * Files are streamed into OPFS under `inbox/<batch>/` (never read whole into memory) and the page,
 * which hashes and seeds them, finds them there when it starts (web/pwa/share-inbox.ts). A shared
 * URL or text becomes the page's `?link=`, where a Shoal share link opens and anything else is told
 * it is not one. Always a 303 to the app, so a reload never posts again.
 */
import { INBOX_DIR } from '../workers/storage-layout.js';

export const SHARE_TARGET_PATH = '/share-target';

/** A name OPFS accepts and a user recognises: no path separators or control characters, not "." or "..". */
export function inboxFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim().slice(0, 200);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'shared file' : cleaned;
}

export async function receiveShare(request: Request): Promise<Response> {
  const redirect = (path: string) => new Response(null, { status: 303, headers: { location: path } });
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return redirect(`/?link=${encodeURIComponent('the shared data could not be read')}#/files`);
  }
  const files = form.getAll('files').filter((entry): entry is File => typeof entry !== 'string');
  if (files.length > 0) {
    const root = await navigator.storage.getDirectory();
    const inbox = await root.getDirectoryHandle(INBOX_DIR, { create: true });
    const batch = await inbox.getDirectoryHandle(`${Date.now()}-${crypto.randomUUID()}`, { create: true });
    const used = new Set<string>();
    for (const file of files) {
      let name = inboxFileName(file.name);
      for (let n = 2; used.has(name); n++) name = `${n} ${inboxFileName(file.name)}`;
      used.add(name);
      const writable = await (await batch.getFileHandle(name, { create: true })).createWritable();
      await file.stream().pipeTo(writable); // streamed: the body is read chunk by chunk
    }
    return redirect('/#/files');
  }
  const text = [form.get('url'), form.get('text'), form.get('title')].find((value): value is string => typeof value === 'string' && value.trim() !== '');
  return redirect(`/?link=${encodeURIComponent(text?.trim() ?? '')}#/files`);
}
