/**
 * The OS share sheet's way in (the manifest's `share_target`): a multipart POST to /share-target.
 * Any website can make a browser send one (a form posted across sites), so nothing here shares
 * anything: files are streamed, part by part, into the inbox (workers/inbox.ts), where they wait for
 * the user's Share or Discard in the app. What one POST may put there is bounded (count, bytes, and
 * the inbox as a whole); past a bound, or on a malformed body, everything written is deleted and
 * the app says why. A shared URL or text becomes the page's `?link=`, where a Shoal link opens (after
 * asking, if it names another room) and anything else is told it is not one. Always a 303 to the
 * app, so a reload never posts again.
 */
import { inboxBytes, inboxDirectory, MAX_INBOX_BYTES, MAX_SHARED_FILES, newBatchId, removeBatch, writeManifest, type InboxFile, type InboxRefusal } from '../workers/inbox.js';
import { multipartBoundary, MultipartError, readMultipart, type PartHead, type PartSink } from './multipart.js';

export const SHARE_TARGET_PATH = '/share-target';

/** The text fields a share sheet sends (the manifest's params), each at most this long. */
const TEXT_FIELDS = new Set(['url', 'text', 'title']);
const MAX_TEXT_BYTES = 4096;

class RefusedError extends Error {
  override name = 'RefusedError';
  constructor(readonly refusal: InboxRefusal) {
    super(refusal);
  }
}

/** A name OPFS accepts and a user recognises: no path separators or control characters, not "." or "..". */
export function inboxFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim().slice(0, 200);
  return cleaned === '' || cleaned === '.' || cleaned === '..' || cleaned === 'batch.json' ? 'shared file' : cleaned;
}

const redirect = (path: string) => new Response(null, { status: 303, headers: { location: path } });
const refused = (why: InboxRefusal) => redirect(`/?inbox-refused=${why}#/files`);

/** Takes a share-target POST into the inbox; `root` is OPFS's root (a stand-in in tests). */
export async function receiveShare(request: Request, root?: FileSystemDirectoryHandle): Promise<Response> {
  const boundary = multipartBoundary(request.headers.get('content-type'));
  if (!boundary || !request.body) return refused('unreadable');
  root ??= await navigator.storage.getDirectory();
  const room = MAX_INBOX_BYTES - (await inboxBytes(root));
  // Refused before a byte is read when the body says it is too large.
  if (Number(request.headers.get('content-length') ?? 0) > room) return refused('too-large');

  const batchId = newBatchId();
  let batch: FileSystemDirectoryHandle | undefined;
  const files: InboxFile[] = [];
  const texts = new Map<string, string>();
  let bytes = 0;
  let open: FileSystemWritableFileStream | undefined;

  const fileSink = async (head: PartHead): Promise<PartSink | null> => {
    if (head.filename === '') return null; // an empty file input
    if (files.length >= MAX_SHARED_FILES) throw new RefusedError('too-many');
    batch ??= await (await inboxDirectory(root!, true))!.getDirectoryHandle(batchId, { create: true });
    let name = inboxFileName(head.filename!);
    for (let n = 2; files.some((f) => f.name === name); n++) name = `${n} ${inboxFileName(head.filename!)}`;
    const entry: InboxFile = { name, size: 0, type: head.contentType.slice(0, 255) };
    files.push(entry);
    open = await (await batch.getFileHandle(name, { create: true })).createWritable();
    const writable = open;
    return {
      write: async (chunk) => {
        bytes += chunk.byteLength;
        if (bytes > room) throw new RefusedError('too-large');
        entry.size += chunk.byteLength;
        await writable.write(chunk as Uint8Array<ArrayBuffer>);
      },
      close: async () => {
        await writable.close();
        open = undefined;
      },
    };
  };

  const textSink = (head: PartHead): PartSink => {
    const chunks: Uint8Array[] = [];
    let length = 0;
    return {
      write: async (chunk) => {
        length += chunk.byteLength;
        if (length <= MAX_TEXT_BYTES) chunks.push(chunk);
      },
      close: async () => {
        if (length <= MAX_TEXT_BYTES) texts.set(head.name, new TextDecoder().decode(await new Blob(chunks as Uint8Array<ArrayBuffer>[]).arrayBuffer()));
      },
    };
  };

  try {
    await readMultipart(
      request.body,
      boundary,
      async (head) => (head.filename !== undefined ? fileSink(head) : TEXT_FIELDS.has(head.name) ? textSink(head) : null),
      { maxHeaderBytes: 16 * 1024, maxParts: MAX_SHARED_FILES + 16 },
    );
    if (batch) await writeManifest(batch, files);
  } catch (error) {
    await open?.abort().catch(() => undefined);
    await removeBatch(root, batchId);
    if (error instanceof RefusedError) return refused(error.refusal);
    if (error instanceof MultipartError) return refused('unreadable');
    if ((error as Error).name === 'QuotaExceededError') return refused('no-room');
    return refused('unreadable');
  }
  if (files.length > 0) return redirect('/#/files');
  const text = [texts.get('url'), texts.get('text'), texts.get('title')].find((value) => value !== undefined && value.trim() !== '');
  return redirect(`/?link=${encodeURIComponent(text?.trim() ?? '')}#/files`);
}
