/** Names of files from the OS share sheet, as the inbox stores them (sw/share-target.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inboxFileName } from '../../sw/share-target.js';

test('inbox names: no separators or control characters, never empty, "." or ".."', () => {
  assert.equal(inboxFileName('holiday.jpg'), 'holiday.jpg');
  assert.equal(inboxFileName('../../etc/passwd'), '.._.._etc_passwd');
  assert.equal(inboxFileName('a\\b\u0000c\nd'), 'a_b_c_d');
  for (const empty of ['', '   ', '.', '..']) assert.equal(inboxFileName(empty), 'shared file');
  assert.equal(inboxFileName('x'.repeat(500)).length, 200);
  assert.equal(inboxFileName('<img src=x onerror=alert(1)>.txt'), '<img src=x onerror=alert(1)>.txt', 'markup is only text; the UI renders it as such');
});
