/** Brings engine state into a Lit component: subscribes while connected, re-renders on change. */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Engine } from '../engine/engine.js';
import type { EngineState } from '../engine/state.js';

export class EngineController implements ReactiveController {
  #unsubscribe: (() => void) | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    readonly engine: Engine,
  ) {
    host.addController(this);
  }

  get state(): EngineState {
    return this.engine.store.state;
  }

  hostConnected(): void {
    this.#unsubscribe = this.engine.store.subscribe(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
