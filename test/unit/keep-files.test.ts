/** Keeping the stored files (web/pwa/keep-files.ts): which browsers cap storage, asking to persist. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installPlace, isWebKitWithStorageCap, KeepFiles, type KeepFilesEnvironment } from '../../web/pwa/keep-files.js';

const UA = {
  macSafari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  iphoneSafari: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  iphoneChrome: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1',
  macChrome: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  macEdge: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0',
  firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0',
  android: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36',
  webkitGtk: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
};

test('Safari and every iOS browser have the 7-day cap; Chromium, Edge, Firefox and Android do not', () => {
  for (const ua of [UA.macSafari, UA.iphoneSafari, UA.iphoneChrome, UA.webkitGtk]) assert.equal(isWebKitWithStorageCap(ua), true, ua);
  for (const ua of [UA.macChrome, UA.macEdge, UA.firefox, UA.android, '']) assert.equal(isWebKitWithStorageCap(ua), false, ua);
  assert.equal(installPlace(UA.iphoneSafari), 'Home Screen');
  assert.equal(installPlace(UA.macSafari), 'Dock');
});

function environment(userAgent: string, answers: { persisted?: boolean; persist?: boolean | 'throws' } = {}, installed = false) {
  const calls = { persist: 0 };
  const stored = new Map<string, string>();
  let persisted = answers.persisted ?? false;
  const env: KeepFilesEnvironment = {
    userAgent,
    installed,
    storage: {
      persisted: async () => persisted,
      persist: async () => {
        calls.persist++;
        if (answers.persist === 'throws') throw new DOMException('denied', 'SecurityError');
        persisted = answers.persist ?? false;
        return persisted;
      },
    },
    local: { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => void stored.set(k, v) },
  };
  return { env, calls, stored };
}

test('risk: unknown until checked; Safari not installed is capped until granted; elsewhere it may be cleared', async () => {
  const safari = new KeepFiles(environment(UA.macSafari, { persist: true }).env);
  assert.equal(safari.risk, 'safari-7-days', 'the cap is known from the browser alone');
  assert.equal(await safari.check(), 'safari-7-days');
  assert.equal(await safari.request(), true);
  assert.equal(safari.risk, 'kept');
  assert.equal(await new KeepFiles(environment(UA.iphoneSafari, {}, true).env).check(), 'may-clear', 'installed on the Home Screen: no 7-day cap');
  assert.equal(await new KeepFiles(environment(UA.firefox, { persisted: true }).env).check(), 'kept');
  assert.equal(await new KeepFiles(environment(UA.macChrome).env).check(), 'may-clear');
  const noApi = new KeepFiles({ userAgent: UA.firefox, installed: false, storage: undefined, local: undefined });
  assert.equal(noApi.canAsk, false);
  assert.equal(await noApi.request(), false);
});

test('a refusal by the user\'s click is told; the one automatic request is asked once and never told', async () => {
  const { env, calls } = environment(UA.macSafari, { persist: false });
  const keep = new KeepFiles(env);
  let changes = 0;
  keep.addEventListener('change', () => changes++);
  keep.requestOnce();
  keep.requestOnce();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(calls.persist, 1, 'asked once per page');
  assert.equal(keep.refused, false, 'an automatic no is not the user\'s');
  assert.equal(await keep.request(), false);
  assert.equal(keep.refused, true);
  assert.ok(changes >= 2);
  const throwing = new KeepFiles(environment(UA.firefox, { persist: 'throws' }).env);
  assert.equal(await throwing.request(), false, 'a browser that throws is a no, not a crash');
  assert.equal(throwing.risk, 'may-clear');
});

test('"Not now" is remembered in this browser', () => {
  const { env, stored } = environment(UA.iphoneSafari);
  const keep = new KeepFiles(env);
  assert.equal(keep.dismissed, false);
  keep.dismiss();
  assert.equal(keep.dismissed, true);
  assert.equal(new KeepFiles(env).dismissed, true);
  assert.equal(stored.size, 1);
  const denied = new KeepFiles({ ...env, local: { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } } });
  denied.dismiss();
  assert.equal(denied.dismissed, false, 'storage denied: no crash');
});
