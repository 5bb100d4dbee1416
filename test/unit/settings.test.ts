/** The settings module (web/settings.ts): defaults, validation, persistence, taking over old keys. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SettingsError, SettingsStore } from '../../web/settings.js';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

test('a new browser gets a friendly name and defaults, kept for the next page', () => {
  const storage = new MemoryStorage();
  const first = new SettingsStore(storage, () => 0).current;
  assert.deepEqual(first, { name: 'Teal Otter', relayOnly: false, limits: { upload: null, download: null }, notifications: false, defaultView: 'dashboard' });
  assert.deepEqual(new SettingsStore(storage, () => 0.99).current, first, 'the same name on the next page');
});

test('settings from before the module (shoal.name, shoal.limits, shoal.forceRelay) are taken over', () => {
  const storage = new MemoryStorage();
  storage.setItem('shoal.name', 'Amber Heron');
  storage.setItem('shoal.limits', JSON.stringify({ upload: 2097152, download: 'fast' }));
  storage.setItem('shoal.forceRelay', '1');
  assert.deepEqual(new SettingsStore(storage).current, { name: 'Amber Heron', relayOnly: true, limits: { upload: 2097152, download: null }, notifications: false, defaultView: 'dashboard' });
});

test('hostile or broken stored values read as defaults, field by field', () => {
  for (const stored of ['not json', '[]', '42', JSON.stringify({ name: '<img src=x onerror=alert(1)>'.repeat(20), relayOnly: 'yes', limits: { upload: -1, download: Infinity }, defaultView: '__proto__', notifications: 1 })]) {
    const storage = new MemoryStorage();
    storage.setItem('shoal.settings', stored);
    const settings = new SettingsStore(storage, () => 0).current;
    assert.equal(settings.name, 'Teal Otter', stored);
    assert.deepEqual([settings.relayOnly, settings.limits, settings.notifications, settings.defaultView], [false, { upload: null, download: null }, false, 'dashboard'], stored);
  }
});

test('update validates, persists and tells subscribers; an invalid value changes nothing', () => {
  const storage = new MemoryStorage();
  const store = new SettingsStore(storage, () => 0);
  const heard: string[] = [];
  store.subscribe((s) => heard.push(`${s.name}/${s.relayOnly}/${s.limits.download}`));
  store.update({ name: '  Neon Orca ', relayOnly: true, limits: { upload: null, download: 1048576 }, defaultView: 'network' });
  assert.deepEqual(heard, ['Neon Orca/true/1048576']);
  assert.equal(new SettingsStore(storage).current.defaultView, 'network', 'persisted');
  for (const bad of [{ name: '' }, { name: 'x'.repeat(65) }, { limits: { upload: 0, download: null } }, { defaultView: 'admin' as never }]) {
    assert.throws(() => store.update(bad), SettingsError, JSON.stringify(bad));
  }
  assert.equal(store.current.name, 'Neon Orca');
  assert.equal(heard.length, 1);
});
