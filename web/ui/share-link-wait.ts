/**
 * What a share link asks for: download that share as soon as someone in the room offers it (at
 * once if someone already does; nothing if this browser holds it). The host re-renders while it
 * waits, to say so; leaving the page stops the wait.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Engine } from '../engine/engine.js';
import type { EngineState } from '../engine/state.js';

export class ShareLinkWait implements ReactiveController {
  /** The share waited for, or undefined. */
  wanted: string | undefined;
  #unwatch: (() => void) | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly engine: () => Engine,
  ) {
    host.addController(this);
  }

  want(shareId: string): void {
    this.stop();
    this.wanted = shareId;
    this.host.requestUpdate();
    const engine = this.engine();
    const check = (s: EngineState) => {
      if (s.shares.some((share) => share.id === shareId)) return this.stop();
      if (s.roomFiles.some((file) => file.id === shareId)) {
        this.stop();
        queueMicrotask(() => void engine.download(shareId));
      }
    };
    this.#unwatch = engine.store.subscribe(check);
    check(engine.store.state);
  }

  stop(): void {
    if (this.wanted !== undefined) this.host.requestUpdate();
    this.wanted = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  hostDisconnected(): void {
    this.stop();
  }
}
