import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentDisposition, parseRange } from '../../sw/range.js';
import { etaSeconds, SpeedMeter } from '../../web/engine/speed-meter.js';
import { formatBytes, formatDuration } from '../../web/ui/format.js';
import { safeName } from '../../web/engine/import-share.js';

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
