/** The service worker's streaming multipart/form-data reader (sw/multipart.ts), on real and hostile bodies. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { multipartBoundary, MultipartError, readMultipart, type PartHead } from '../../sw/multipart.js';

const LIMITS = { maxHeaderBytes: 8192, maxParts: 100 };

/** Streams `bytes` in pieces of `piece` bytes. */
function streamOf(bytes: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>, boundary: string, limits = LIMITS) {
  const parts: { head: PartHead; bytes: Buffer; writes: number }[] = [];
  await readMultipart(
    body,
    boundary,
    async (head) => {
      const part = { head, chunks: [] as Uint8Array[], writes: 0 };
      return {
        write: async (bytes) => void (part.chunks.push(bytes), part.writes++),
        close: async () => void parts.push({ head, bytes: Buffer.concat(part.chunks), writes: part.writes }),
      };
    },
    limits,
  );
  return parts;
}

/** A real browser-style body: undici's own multipart encoding of a FormData. */
async function encoded(form: FormData): Promise<{ bytes: Uint8Array; boundary: string }> {
  const request = new Request('http://127.0.0.1/share-target', { method: 'POST', body: form });
  return { bytes: new Uint8Array(await request.arrayBuffer()), boundary: multipartBoundary(request.headers.get('content-type'))! };
}

test('files and fields of a real multipart body, whatever the pieces it arrives in', async () => {
  const big = randomBytes(40_000);
  const form = new FormData();
  form.append('title', 'holiday');
  form.append('files', new File([big], 'a "quoted" name.bin', { type: 'application/x-thing' }));
  form.append('files', new File(['\r\n--not the boundary\r\n'], 'tricky.txt', { type: 'text/plain' }));
  form.append('files', new File([], 'empty.bin'));
  const { bytes, boundary } = await encoded(form);
  for (const piece of [1, 7, 4096, 16_384, bytes.length]) {
    const parts = await collect(streamOf(bytes, piece), boundary);
    assert.deepEqual(parts.map((p) => [p.head.name, p.head.filename, p.head.contentType, p.bytes.length]), [
      ['title', undefined, 'text/plain', 7],
      ['files', 'a "quoted" name.bin', 'application/x-thing', big.length],
      ['files', 'tricky.txt', 'text/plain', 22],
      ['files', 'empty.bin', 'application/octet-stream', 0],
    ], `pieces of ${piece}`);
    assert.ok(parts[1]!.bytes.equals(big), 'the file, byte for byte');
    assert.equal(parts[2]!.bytes.toString(), '\r\n--not the boundary\r\n');
    if (piece === 16_384) assert.ok(parts[1]!.writes >= 2, 'a large file is handed on as it arrives, not at its end');
  }
});

test('hostile bodies are refused with a MultipartError, never a hang or a crash', async () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const cases: [string, string, Partial<typeof LIMITS>?][] = [
    ['no boundary anywhere', 'just some bytes'],
    ['ends inside a part', '--B\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\nabc'],
    ['ends inside the headers', '--B\r\nContent-Disposition: form-data; name="f"'],
    ['not form-data', '--B\r\nContent-Disposition: attachment; name="f"\r\n\r\nx\r\n--B--'],
    ['no field name', '--B\r\nContent-Disposition: form-data; filename="x"\r\n\r\nx\r\n--B--'],
    ['a header line without a name', '--B\r\n: nameless\r\n\r\nx\r\n--B--'],
    ['junk after a boundary', '--Bjunk\r\n'],
    ['headers past the bound', `--B\r\nContent-Disposition: form-data; name="${'n'.repeat(10_000)}"\r\n\r\nx\r\n--B--`],
    ['too many parts', '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B\r\nContent-Disposition: form-data; name="b"\r\n\r\n2\r\n--B--', { maxParts: 1 }],
  ];
  for (const [what, body, limits] of cases) {
    await assert.rejects(collect(streamOf(enc(body), 3), 'B', { ...LIMITS, ...limits }), MultipartError, what);
  }
  assert.deepEqual(await collect(streamOf(enc('preamble\r\n--B\r\nContent-Disposition: form-data; name=plain\r\n\r\nv\r\n--B--\r\nepilogue'), 5), 'B'), [{ head: { name: 'plain', filename: undefined, contentType: 'text/plain' }, bytes: Buffer.from('v'), writes: 1 }], 'a preamble and an epilogue are fine');
});

test('a sink that throws stops the reading and cancels the body', async () => {
  let cancelled = false;
  const form = new FormData();
  form.append('files', new File([randomBytes(200_000)], 'x'));
  const { bytes, boundary } = await encoded(form);
  const source = streamOf(bytes, 1024);
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array>({ pull: async (c) => { const { value, done } = await reader.read(); if (done) c.close(); else c.enqueue(value); }, cancel: () => void (cancelled = true) });
  await assert.rejects(readMultipart(body, boundary, async () => ({ write: async () => { throw new Error('disk full'); }, close: async () => undefined }), LIMITS), /disk full/);
  assert.ok(cancelled, 'the rest of the body is not read');
});

test('the boundary of a Content-Type', () => {
  assert.equal(multipartBoundary('multipart/form-data; boundary=----WebKitFormBoundaryX1'), '----WebKitFormBoundaryX1');
  assert.equal(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b"'), 'a b');
  for (const other of [null, 'application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain; boundary=x']) assert.equal(multipartBoundary(other), undefined, String(other));
});
