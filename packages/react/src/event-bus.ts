import type { Disposer, SynclineClient } from '@syncline/client';
import type { EventMessage } from '@syncline/protocol';

// biome-ignore lint/suspicious/noExplicitAny: handlers of any event type share one registry
export type AnyEventHandler = (data: any, event: EventMessage) => void;

interface Sub {
  type: string;
  handler: AnyEventHandler;
  /**
   * What the client is given: a function of this subscription's own. The client keeps a set of listeners, so two
   * subscriptions of one handler (two components sharing a module-level function) would be one listener there,
   * delivered once, and the first to go would end both.
   */
  listener: AnyEventHandler;
  dispose: Disposer | null;
}

/**
 * Event subscriptions made through the provider's context. They outlive the client they were made on:
 * made before the client exists (the first render, server rendering), they start when it does.
 */
export class EventBus {
  private readonly subs = new Set<Sub>();
  private client: SynclineClient | null = null;

  /** Moves every subscription to `client` (or detaches them all with `null`). */
  attach(client: SynclineClient | null): void {
    for (const sub of this.subs) {
      sub.dispose?.();
      sub.dispose = client ? client.subscribe(sub.type as '*', sub.listener) : null;
    }
    this.client = client;
  }

  /** Calls `handler(data, event)` for every event of `type` (`'*'`: all) in any room the client is in. */
  subscribe(type: string, handler: AnyEventHandler): Disposer {
    const sub: Sub = { type, handler, listener: (data, event) => handler(data, event), dispose: null };
    if (this.client) sub.dispose = this.client.subscribe(type as '*', sub.listener);
    this.subs.add(sub);
    return () => {
      sub.dispose?.();
      this.subs.delete(sub);
    };
  }

  /** Removes every subscription of `handler` to `type` (the seed's API; prefer the disposer). */
  unsubscribe(type: string, handler: AnyEventHandler): void {
    for (const sub of [...this.subs]) {
      if (sub.type !== type || sub.handler !== handler) continue;
      sub.dispose?.();
      this.subs.delete(sub);
    }
  }

  get size(): number {
    return this.subs.size;
  }
}
