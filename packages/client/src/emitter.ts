/** Undoes a subscription. Every `on`/`subscribe` returns one. */
export type Disposer = () => void;

/**
 * A small typed event emitter. `Events` maps each event name to its argument tuple.
 * A throwing listener is reported to `onListenerError` and does not stop the others (nor the socket
 * handler that emitted the event).
 */
export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<(...args: never) => void>>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  on<K extends keyof Events>(name: K, listener: (...args: Events[K]) => void): Disposer {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(name) === set) this.listeners.delete(name);
    };
  }

  emit<K extends keyof Events>(name: K, ...args: Events[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as unknown as (...a: Events[K]) => void)(...args);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  has(name: keyof Events): boolean {
    return this.listeners.has(name);
  }

  clear(): void {
    this.listeners.clear();
  }
}
