/**
 * A component's subscriptions to the engine, tied to its life: `attach(engine)` subscribes (to
 * slices, to stats samples) and returns the unsubscribes; they run when the component leaves the
 * page and are made again when it comes back. The engine comes from the context.
 */
import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Engine } from '../engine/engine.js';
import { engineContext } from './slice-controller.js';

export class EngineWatch implements ReactiveController {
  engine: Engine | undefined;
  #stops: (() => void)[] = [];

  constructor(
    host: ReactiveControllerHost & HTMLElement,
    private readonly attach: (engine: Engine) => (() => void)[],
  ) {
    host.addController(this);
    new ContextConsumer(host, {
      context: engineContext,
      callback: (engine) => {
        this.engine = engine;
        if (host.isConnected) this.#start();
      },
    });
  }

  hostConnected(): void {
    if (this.engine && this.#stops.length === 0) this.#start();
  }

  hostDisconnected(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }

  #start(): void {
    this.hostDisconnected();
    this.#stops = this.attach(this.engine!);
  }
}
