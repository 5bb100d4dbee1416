/** The user's speed limits as kept in localStorage; anything malformed there counts as no limit. */
import type { RateLimits } from '../engine/state.js';

export const LIMITS_KEY = 'shoal.limits';

const valid = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null);

export function readStoredLimits(storage: Pick<Storage, 'getItem'>): RateLimits {
  try {
    const parsed = JSON.parse(storage.getItem(LIMITS_KEY) ?? '{}') as Partial<Record<keyof RateLimits, unknown>>;
    return { upload: valid(parsed?.upload), download: valid(parsed?.download) };
  } catch {
    return { upload: null, download: null };
  }
}
