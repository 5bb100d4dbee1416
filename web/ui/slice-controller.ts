/**
 * How a component reads engine state: it asks for one slice of it, and re-renders only when that
 * slice changes (shallow equality: the same primitives, the same array or object references).
 * The engine reaches components through `@lit/context` (the shell provides it), not through
 * properties passed down the tree, so a 200 ms state batch that changed the peers re-renders the
 * peer list and nothing else.
 */
import { ContextConsumer, createContext } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Engine } from '../engine/engine.js';
import type { EngineState } from '../engine/state.js';
import type { Store } from '../engine/store.js';

export const engineContext = createContext<Engine>(Symbol('shoal-engine'));

/** Equal primitives, or objects/arrays whose own values are identical one level down. */
export function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => Object.is((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Calls `onChange(slice)` now and whenever the selected slice of `store` changes; returns the unsubscribe. */
export function watchSlice<S, T>(store: Store<S>, select: (state: S) => T, onChange: (slice: T) => void, equals: (a: T, b: T) => boolean = shallowEqual): () => void {
  let current = select(store.state);
  onChange(current);
  return store.subscribe((state) => {
    const next = select(state);
    if (equals(current, next)) return;
    current = next;
    onChange(next);
  });
}

export class SliceController<T> implements ReactiveController {
  value: T | undefined;
  #engine: Engine | undefined;
  #unwatch: (() => void) | undefined;

  /**
   * `apply` receives each new slice (e.g. to set properties); without it the host just re-renders.
   * The engine comes from the context, or is given (the shell that provides the context cannot
   * consume its own).
   */
  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly select: (state: EngineState) => T,
    private readonly apply?: (slice: T) => void,
    engine?: Engine,
  ) {
    host.addController(this);
    if (engine) this.#engine = engine;
    else new ContextConsumer(host, { context: engineContext, callback: (provided) => this.#attach(provided) });
  }

  hostConnected(): void {
    if (this.#engine) this.#watch();
  }

  hostDisconnected(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  #attach(engine: Engine): void {
    this.#engine = engine;
    if (this.host.isConnected) this.#watch();
  }

  #watch(): void {
    this.#unwatch?.();
    this.#unwatch = watchSlice(this.#engine!.store, this.select, (slice) => {
      this.value = slice;
      if (this.apply) this.apply(slice);
      else this.host.requestUpdate();
    });
  }
}
