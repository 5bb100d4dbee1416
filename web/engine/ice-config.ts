/**
 * The RTCConfiguration every peer connection starts with: the STUN/TURN servers loaded from the
 * server (said in a notice when that fails, tried again at the next welcome), relay only or not,
 * and the once-a-minute probe of whether the TURN relay answers.
 */
import { loadIceServers } from './ice-servers.js';
import { probeRelay, RELAY_PROBE_EVERY_MS, type RelayProbe } from './relay-probe.js';
import type { StateWriter } from './state-writer.js';

export class IceConfig {
  #config: RTCConfiguration = { iceServers: [] };
  /** Set while the ICE servers could not be loaded: the notice that says so. */
  #failedNotice: string | undefined;
  #probe: { at: number; result: Promise<RelayProbe> } | undefined;
  /** Settles once the ICE servers are loaded (or failed to). */
  readonly #ready: Promise<void>;
  #resolveReady!: () => void;

  constructor(
    private readonly state: StateWriter,
    private readonly fetchFn: typeof fetch,
    private readonly url: string,
  ) {
    this.#ready = new Promise((resolve) => (this.#resolveReady = resolve));
  }

  get current(): RTCConfiguration {
    return this.#config;
  }

  /** Whether the last load failed (the next welcome tries again). */
  get failed(): boolean {
    return this.#failedNotice !== undefined;
  }

  /** Loads the STUN/TURN servers; on failure (offline at start) says so. */
  async load(): Promise<void> {
    try {
      const iceServers = await loadIceServers(this.fetchFn, this.url);
      this.#config = { iceServers, iceTransportPolicy: this.state.current.forceRelay ? 'relay' : 'all' };
      if (this.#failedNotice !== undefined && this.state.current.notice === this.#failedNotice) this.state.set({ notice: undefined });
      this.#failedNotice = undefined;
    } catch (error) {
      this.#failedNotice = `Could not load ICE servers (${(error as Error).message}); only direct connections will work.`;
      this.state.set({ notice: this.#failedNotice });
    }
    this.#resolveReady();
  }

  setRelayOnly(on: boolean): void {
    this.#config = { ...this.#config, iceTransportPolicy: on ? 'relay' : 'all' };
  }

  /**
   * Whether the TURN relay answers: a test allocation (a relay-only connection gathering its
   * candidates), at most once a minute; the answer is shared by every caller in that minute.
   */
  probeRelay(): Promise<RelayProbe> {
    const now = performance.now();
    if (!this.#probe || now - this.#probe.at > RELAY_PROBE_EVERY_MS) this.#probe = { at: now, result: this.#ready.then(() => probeRelay(this.#config.iceServers ?? [])) };
    return this.#probe.result;
  }
}
