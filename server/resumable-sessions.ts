/**
 * Sessions a disconnected client may take back with its resume token (its peer id, name, room and
 * announcements), for RESUME_TTL_MS. Bounded in count and in bytes: a client that connects,
 * announces and disconnects in a loop pushes out the oldest sessions instead of growing the heap.
 */
import type { ShareSummary } from '../protocol/index.js';

export interface ResumableSession {
  /** The client address the session was on: only a reconnect from the same address takes it back. */
  address: string;
  peerId: string;
  name: string;
  room: string;
  shares: ShareSummary[];
}

export interface ResumableSessionsOptions {
  ttlMs: number;
  /** Sessions kept at most (a reconnect wave after a server restart is far smaller). */
  maxSessions?: number;
  /** Approximate bytes kept at most, counted as the JSON size of what each session holds. */
  maxBytes?: number;
  now?: () => number;
}

interface Entry {
  session: ResumableSession;
  expiresAt: number;
  bytes: number;
}

/** Per-entry overhead beyond its JSON: the token, the Map slot, the object headers. */
const ENTRY_OVERHEAD_BYTES = 200;

export class ResumableSessions {
  /** Insertion order is age order: the first entry is always the oldest. */
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  readonly #now: () => number;
  readonly #maxSessions: number;
  readonly #maxBytes: number;

  constructor(private readonly options: ResumableSessionsOptions) {
    this.#now = options.now ?? Date.now;
    this.#maxSessions = options.maxSessions ?? 10_000;
    this.#maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  keep(token: string, session: ResumableSession): void {
    this.#forget(token);
    const bytes = ENTRY_OVERHEAD_BYTES + JSON.stringify(session).length;
    if (bytes > this.#maxBytes) return;
    this.#evictExpired();
    while (this.#entries.size >= this.#maxSessions || this.#bytes + bytes > this.#maxBytes) this.#forget(this.#entries.keys().next().value!);
    this.#entries.set(token, { session, expiresAt: this.#now() + this.options.ttlMs, bytes });
    this.#bytes += bytes;
  }

  /**
   * The session for a token, once: a token is single use, and expired sessions are gone. A token
   * presented from another address than its session's gets nothing and stays for its owner: a
   * leaked token (a log, a shared screen) is worth nothing elsewhere.
   */
  take(token: string, address: string): ResumableSession | undefined {
    const entry = this.#entries.get(token);
    if (entry && entry.session.address !== address) return undefined;
    this.#forget(token);
    return entry && entry.expiresAt > this.#now() ? entry.session : undefined;
  }

  #evictExpired(): void {
    const now = this.#now();
    for (const [token, entry] of this.#entries) {
      if (entry.expiresAt > now) break; // entries expire in insertion order
      this.#forget(token);
    }
  }

  #forget(token: string): void {
    const entry = this.#entries.get(token);
    if (!entry) return;
    this.#entries.delete(token);
    this.#bytes -= entry.bytes;
  }
}
