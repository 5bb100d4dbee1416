/**
 * The user's settings, in one place: display name, relay only, speed limits, notifications and the
 * view the app opens on, kept in localStorage under one key (values from before it, under their old
 * keys, are taken over once). Anything malformed reads as its default, so a bad stored value never
 * breaks the app. The room is not here: it lives in the URL (`?room=`), so that a link names it.
 * Changes reach the engine through its runtime setters; nothing reloads the page.
 */
import type { RateLimits } from './engine/state.js';

export const VIEWS = ['dashboard', 'network', 'transfers', 'files', 'settings'] as const;
export type View = (typeof VIEWS)[number];

export interface Settings {
  name: string;
  relayOnly: boolean;
  /** Bytes per second; null means no limit. */
  limits: RateLimits;
  /** Desktop notifications when a download completes (the browser's permission still applies). */
  notifications: boolean;
  defaultView: View;
}

const KEY = 'shoal.settings';
const LEGACY = { name: 'shoal.name', limits: 'shoal.limits', relayOnly: 'shoal.forceRelay' };
const MAX_NAME = 64;

const ADJECTIVES = ['Teal', 'Coral', 'Amber', 'Violet', 'Azure', 'Jade', 'Crimson', 'Silver', 'Golden', 'Indigo', 'Neon', 'Misty'];
const ANIMALS = ['Otter', 'Manta', 'Heron', 'Orca', 'Seal', 'Marlin', 'Puffin', 'Nautilus', 'Dolphin', 'Squid', 'Tern', 'Eel'];

/** A friendly name for a browser that has none yet. */
export function randomName(random = Math.random): string {
  const pick = (list: string[]) => list[Math.floor(random() * list.length)]!;
  return `${pick(ADJECTIVES)} ${pick(ANIMALS)}`;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

const rate = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null);
const name = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' && value.length <= MAX_NAME ? value.trim() : undefined);

/** Settings from whatever `raw` holds, every field checked on its own. */
function parse(raw: Record<string, unknown>, fallbackName: () => string): Settings {
  const limits = (raw.limits ?? {}) as Record<string, unknown>;
  return {
    name: name(raw.name) ?? fallbackName(),
    relayOnly: raw.relayOnly === true,
    limits: { upload: rate(limits.upload), download: rate(limits.download) },
    notifications: raw.notifications === true,
    defaultView: VIEWS.includes(raw.defaultView as View) ? (raw.defaultView as View) : 'dashboard',
  };
}

export class SettingsStore {
  #settings: Settings;
  readonly #listeners = new Set<(settings: Settings) => void>();

  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'>,
    random = Math.random,
  ) {
    const read = (key: string): unknown => {
      try {
        return JSON.parse(storage.getItem(key) ?? 'null');
      } catch {
        return null;
      }
    };
    const stored = read(KEY);
    const raw: Record<string, unknown> =
      stored && typeof stored === 'object'
        ? (stored as Record<string, unknown>)
        : { name: storage.getItem(LEGACY.name), limits: read(LEGACY.limits), relayOnly: storage.getItem(LEGACY.relayOnly) === '1' };
    this.#settings = parse(raw, () => randomName(random));
    this.#save();
  }

  get current(): Settings {
    return this.#settings;
  }

  /** Changes some settings; a value that is not valid throws SettingsError and changes nothing. */
  update(patch: Partial<Settings>): Settings {
    if (patch.name !== undefined && name(patch.name) === undefined) throw new SettingsError(`a name is 1 to ${MAX_NAME} characters`);
    if (patch.defaultView !== undefined && !VIEWS.includes(patch.defaultView)) throw new SettingsError(`no view "${patch.defaultView}"`);
    for (const which of ['upload', 'download'] as const) {
      const value = patch.limits?.[which];
      if (value !== undefined && value !== null && rate(value) === null) throw new SettingsError(`a ${which} limit is a positive number of bytes per second`);
    }
    this.#settings = parse({ ...this.#settings, ...patch }, () => this.#settings.name);
    this.#save();
    for (const listener of this.#listeners) listener(this.#settings);
    return this.#settings;
  }

  subscribe(listener: (settings: Settings) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #save(): void {
    try {
      this.storage.setItem(KEY, JSON.stringify(this.#settings));
    } catch {
      // storage full or denied: the settings still hold for this page
    }
  }
}
