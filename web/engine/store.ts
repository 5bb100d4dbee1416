/** A minimal observable value: the engine writes its state here, the UI subscribes. */
export type Listener<T> = (state: T) => void;

export class Store<T> {
  #state: T;
  readonly #listeners = new Set<Listener<T>>();

  constructor(initial: T) {
    this.#state = initial;
  }

  get state(): T {
    return this.#state;
  }

  /** Replaces the state with `update(state)` and notifies every subscriber. */
  update(update: (state: T) => T): void {
    this.#state = update(this.#state);
    for (const listener of this.#listeners) listener(this.#state);
  }

  subscribe(listener: Listener<T>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
