/**
 * The share target (sw/share-target.ts) on an in-memory OPFS: a POST lands in the inbox and waits
 * (nothing is shared here); its bounds refuse with a fixed reason and leave nothing behind.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { inboxFileName, receiveShare } from '../../sw/share-target.js';
import { batchFiles, listInbox, MAX_INBOX_BYTES, MAX_SHARED_FILES } from '../../workers/inbox.js';
import { MemoryDirectory } from './memory-opfs.js';

const post = (form: FormData) => new Request('http://127.0.0.1/share-target', { method: 'POST', body: form });
const asRoot = (root: MemoryDirectory) => root as unknown as FileSystemDirectoryHandle;

/** The same body, without its Content-Length (a chunked upload). */
async function chunked(form: FormData): Promise<{ request: Request; pulled: () => number }> {
  const encoded = post(form);
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + 16_384));
      at += 16_384;
    },
  });
  const request = new Request('http://127.0.0.1/share-target', { method: 'POST', body, headers: { 'content-type': encoded.headers.get('content-type')! }, duplex: 'half' } as RequestInit);
  return { request, pulled: () => at };
}

test('files land in the inbox as a complete batch, byte for byte; nothing else happens', async () => {
  const root = new MemoryDirectory();
  const photo = randomBytes(150_000);
  const form = new FormData();
  form.append('title', 'from the gallery');
  form.append('files', new File([photo], 'photo.jpg', { type: 'image/jpeg' }));
  form.append('files', new File(['notes'], '../../etc/passwd'));
  form.append('files', new File(['again'], 'photo.jpg'));
  const response = await receiveShare(post(form), asRoot(root));
  assert.equal(response.status, 303);
  assert.equal(response.headers.get('location'), '/#/files');
  const [batch, ...more] = await listInbox(asRoot(root));
  assert.equal(more.length, 0);
  assert.deepEqual(batch!.files, [
    { name: 'photo.jpg', size: photo.length, type: 'image/jpeg' },
    { name: '.._.._etc_passwd', size: 5, type: 'application/octet-stream' },
    { name: '2 photo.jpg', size: 5, type: 'application/octet-stream' },
  ]);
  const [first] = await batchFiles(asRoot(root), batch!);
  assert.ok(Buffer.from(await first!.arrayBuffer()).equals(photo));
});

test(`more than ${MAX_SHARED_FILES} files: refused, nothing left behind`, async () => {
  const root = new MemoryDirectory();
  const form = new FormData();
  for (let i = 0; i <= MAX_SHARED_FILES; i++) form.append('files', new File([`file ${i}`], `f${i}.txt`));
  const response = await receiveShare(post(form), asRoot(root));
  assert.equal(response.headers.get('location'), '/?inbox-refused=too-many#/files');
  assert.deepEqual(root.paths(), []);
});

test('past the inbox\'s bytes: refused before reading when the length says so, else as the bytes arrive; what waited before stays', async () => {
  const root = new MemoryDirectory();
  // A batch already waiting that fills the inbox to 100 KiB under its bound.
  const waiting = await (await (await root.getDirectoryHandle('inbox', { create: true })).getDirectoryHandle('1-old', { create: true })).getFileHandle('big.iso', { create: true });
  waiting.claimedSize = MAX_INBOX_BYTES - 100 * 1024;
  const form = new FormData();
  form.append('files', new File([randomBytes(200 * 1024)], 'one-too-many.bin'));

  const known = await receiveShare(post(form), asRoot(root));
  assert.equal(known.headers.get('location'), '/?inbox-refused=too-large#/files');
  const { request, pulled } = await chunked(form);
  const streamed = await receiveShare(request, asRoot(root));
  assert.equal(streamed.headers.get('location'), '/?inbox-refused=too-large#/files');
  assert.ok(pulled() < 200 * 1024, `stopped reading once past the bound (${pulled()} bytes read)`);
  assert.deepEqual(root.paths(), ['inbox/1-old/big.iso'], 'the refused batch is gone, the waiting one stays');
});

test('a malformed or cut-off body, or one that is not multipart: refused as unreadable, nothing left', async () => {
  const root = new MemoryDirectory();
  const form = new FormData();
  form.append('files', new File([randomBytes(50_000)], 'cut.bin'));
  const whole = new Uint8Array(await post(form).arrayBuffer());
  const contentType = post(form).headers.get('content-type')!;
  const cut = new Request('http://127.0.0.1/share-target', { method: 'POST', body: whole.slice(0, 30_000), headers: { 'content-type': contentType } });
  assert.equal((await receiveShare(cut, asRoot(root))).headers.get('location'), '/?inbox-refused=unreadable#/files');
  const plain = new Request('http://127.0.0.1/share-target', { method: 'POST', body: 'url=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal((await receiveShare(plain, asRoot(root))).headers.get('location'), '/?inbox-refused=unreadable#/files');
  assert.deepEqual(root.paths(), []);
});

test('a shared link or text becomes the page\'s ?link= (no file, no batch)', async () => {
  const root = new MemoryDirectory();
  const form = new FormData();
  form.append('url', ' web+shoal:s/abc?room=x ');
  const response = await receiveShare(post(form), asRoot(root));
  assert.equal(response.headers.get('location'), `/?link=${encodeURIComponent('web+shoal:s/abc?room=x')}#/files`);
  assert.deepEqual(root.paths(), []);
});

test('inbox names: no separators or control characters, never empty, "." or "..", or the manifest\'s name', () => {
  assert.equal(inboxFileName('holiday.jpg'), 'holiday.jpg');
  assert.equal(inboxFileName('../../etc/passwd'), '.._.._etc_passwd');
  assert.equal(inboxFileName('a\\b\u0000c\nd'), 'a_b_c_d');
  for (const empty of ['', '   ', '.', '..', 'batch.json']) assert.equal(inboxFileName(empty), 'shared file');
  assert.equal(inboxFileName('x'.repeat(500)).length, 200);
  assert.equal(inboxFileName('<img src=x onerror=alert(1)>.txt'), '<img src=x onerror=alert(1)>.txt', 'markup is only text; the UI renders it as such');
});
