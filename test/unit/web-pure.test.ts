import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentDisposition, parseRange } from '../../sw/range.js';
import { newRoomCode, roomFromInput, roomLink } from '../../web/ui/room-code.js';
import { parseLimit } from '../../web/ui/rate-limits.js';
import { contentTypeOfPath, fileSecurityHeaders, safeContentType } from '../../sw/content-type.js';
import { etaSeconds, SpeedMeter } from '../../plane/speed-meter.js';
import { formatBytes, formatDuration } from '../../web/ui/format.js';
import { folderFiles, foldersFromPicked, safeName, FolderError } from '../../web/engine/share-input.js';

test('parseRange: RFC 9110 single ranges', () => {
  const table: [string | null, number, ReturnType<typeof parseRange>][] = [
    [null, 100, null],
    ['bytes=0-9', 100, { start: 0, end: 10 }],
    ['bytes=90-', 100, { start: 90, end: 100 }],
    ['bytes=-10', 100, { start: 90, end: 100 }],
    ['bytes=-500', 100, { start: 0, end: 100 }],
    ['bytes=50-5000', 100, { start: 50, end: 100 }],
    ['bytes=100-', 100, 'unsatisfiable'],
    ['bytes=-0', 100, 'unsatisfiable'],
    ['bytes=9-3', 100, 'unsatisfiable'],
    ['bytes=0-1,5-6', 100, null],
    ['items=0-1', 100, null],
    ['bytes=-', 100, null],
  ];
  for (const [header, size, expected] of table) assert.deepEqual(parseRange(header, size), expected, String(header));
});

test('contentDisposition keeps any name safe', () => {
  assert.equal(contentDisposition('a.txt', true), `attachment; filename="a.txt"; filename*=UTF-8''a.txt`);
  assert.equal(contentDisposition('ünï "q".txt', false), `inline; filename="_n_ _q_.txt"; filename*=UTF-8''%C3%BCn%C3%AF%20%22q%22.txt`);
});

test('speed meter averages over its window', () => {
  const meter = new SpeedMeter(1000);
  meter.add(1000, 0);
  meter.add(1000, 500);
  assert.equal(meter.rate(1000), 2000);
  assert.equal(meter.rate(5000), 0, 'old samples fall out');
  assert.equal(etaSeconds(1000, 500), 2);
  assert.equal(etaSeconds(1000, 0), null);
  assert.equal(etaSeconds(0, 0), 0);
});

test('formatting', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(8 * 1024 * 1024), '8.00 MiB');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatDuration(null), '—');
  assert.equal(formatDuration(75), '1 min 15 s');
});

test('shared file names become valid metadata names', () => {
  assert.equal(safeName('a/b\\c'), 'a_b_c');
  assert.equal(safeName('..'), 'file');
  assert.equal(safeName(''), 'file');
  assert.equal(safeName('x'.repeat(300)).length, 255);
});

test('stored files are never served as a type that can run script in our origin', () => {
  assert.equal(safeContentType('image/png'), 'image/png');
  assert.equal(safeContentType('Video/MP4'), 'video/mp4');
  assert.equal(safeContentType('text/plain;charset=latin1'), 'text/plain; charset=utf-8');
  assert.equal(safeContentType('application/pdf'), 'application/pdf');
  for (const hostile of ['text/html', 'TEXT/HTML; charset=utf-8', 'image/svg+xml', 'application/xhtml+xml', 'text/xml', 'application/javascript', 'text/javascript']) {
    assert.equal(safeContentType(hostile), 'text/plain; charset=utf-8', hostile);
  }
  for (const other of ['', 'application/x-msdownload', 'multipart/x-mixed-replace', 'application/octet-stream']) {
    assert.equal(safeContentType(other), 'application/octet-stream', other);
  }
  assert.equal(contentTypeOfPath('a/b/photo.JPG'), 'image/jpeg');
  assert.equal(contentTypeOfPath('index.html'), 'application/octet-stream');
  assert.equal(contentTypeOfPath('README'), 'application/octet-stream');
  assert.match(fileSecurityHeaders('text/plain; charset=utf-8')['content-security-policy']!, /^sandbox;/);
  assert.equal(fileSecurityHeaders('text/plain')['x-content-type-options'], 'nosniff');
  for (const type of ['text/plain; charset=utf-8', 'video/webm', 'application/octet-stream']) {
    assert.match(fileSecurityHeaders(type)['content-security-policy']!, /frame-ancestors 'none'/, `${type}: no site frames a user's file`);
  }
  assert.equal(fileSecurityHeaders('application/pdf')['content-security-policy'], "frame-ancestors 'self'", 'only the PDF viewer, inside the PDF\'s own document');
});

test('folder sources: stable order, safe paths, clear refusals', () => {
  const file = (name: string, text = name) => new File([text], name);
  const { files, ordered } = folderFiles({ name: 'f', files: [{ path: 'b/z.txt', file: file('z.txt') }, { path: 'a.txt', file: file('a.txt') }, { path: 'b/..', file: file('x') }] });
  assert.deepEqual(files.map((f) => f.path), ['a.txt', 'b/file', 'b/z.txt']);
  assert.deepEqual(ordered.map((f) => f.file.name), ['a.txt', 'x', 'z.txt']);
  assert.throws(() => folderFiles({ name: 'empty', files: [] }), FolderError);
  assert.throws(() => folderFiles({ name: 'dup', files: [{ path: 'a', file: file('a') }, { path: 'a', file: file('b') }] }), /appears twice/);
  const picked = [file('1'), file('2'), file('3')];
  Object.defineProperty(picked[0], 'webkitRelativePath', { value: 'photos/2024/1.jpg' });
  Object.defineProperty(picked[1], 'webkitRelativePath', { value: 'photos/2.jpg' });
  Object.defineProperty(picked[2], 'webkitRelativePath', { value: 'docs/3.txt' });
  assert.deepEqual(
    foldersFromPicked(picked).map((f) => [f.name, f.files.map((x) => x.path)]),
    [['photos', ['2024/1.jpg', '2.jpg']], ['docs', ['3.txt']]],
  );
});

test('speed limits: typed values are parsed strictly', () => {
  assert.equal(parseLimit(''), null);
  assert.equal(parseLimit(' 2 '), 2 * 1024 * 1024);
  assert.equal(parseLimit('0.5'), 512 * 1024);
  for (const bad of ['0', '-1', 'abc', '1e9', 'Infinity']) assert.equal(parseLimit(bad), undefined, bad);
});

test('private room codes: 16 characters, 80 random bits, valid room names; codes and links are read back', () => {
  const code = newRoomCode();
  assert.match(code, /^[a-km-z2-9]{16}$/);
  assert.notEqual(newRoomCode(), code);
  assert.equal(newRoomCode((b) => b.fill(0)), 'a'.repeat(16));
  assert.equal(roomFromInput(`  ${code} `), code);
  assert.equal(roomFromInput(`https://shoal.example/?room=${code}`), code);
  assert.equal(roomLink('https://shoal.example/app?x=1#top', code), `https://shoal.example/app?room=${code}`);
  for (const bad of ['', 'has space', 'x'.repeat(65), 'https://shoal.example/', 'https://[bad', '../etc', 'ip-someones-lan', 'https://shoal.example/?room=IP-x']) assert.equal(roomFromInput(bad), undefined, bad);
});
