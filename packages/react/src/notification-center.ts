import type { Disposer } from '@syncline/client';

export type NotificationKind = 'conflict' | 'rejected' | 'error' | 'maintenance' | 'info' | 'success';

/** A button on a toast beside Dismiss; clicking it runs `run` and dismisses the toast. */
export interface NotificationAction {
  label: string;
  run: () => void;
}

export interface Notification {
  id: string;
  kind: NotificationKind;
  title: string;
  message: string;
  /** Machine-readable reason, e.g. `zone_locked`, `forbidden`, `lock_lost`. */
  code?: string;
  documentId?: string;
  zoneIds?: readonly string[];
  createdAt: number;
  /** Stays until dismissed (or, for maintenance, until it ends). */
  sticky: boolean;
  /**
   * The toast's own action ("Open" on "report.pdf uploaded"), offered by `<NotificationContainer>` before any its
   * `action` prop would give.
   */
  action?: NotificationAction;
}

export type NotificationInput = Omit<Notification, 'id' | 'createdAt' | 'sticky'> & {
  id?: string;
  sticky?: boolean;
  /** Auto-dismiss after this many ms; default the center's `durationMs` (ignored when sticky). */
  durationMs?: number;
};

export interface NotificationCenterOptions {
  /** How long a toast stays; default 6 s. */
  durationMs?: number;
  /** Most toasts kept (oldest non-sticky go first); default 5. */
  max?: number;
}

/**
 * The toasts of one provider: conflicts, rejected edits, errors and maintenance announcements. A store
 * for `useSyncExternalStore` (the list is replaced, never mutated). A notification with the same `id` as
 * a shown one replaces it (so repeated errors do not pile up).
 */
export class NotificationCenter {
  private list: readonly Notification[] = Object.freeze([]);
  private readonly listeners = new Set<() => void>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private counter = 0;
  private readonly durationMs: number;
  private readonly max: number;

  constructor(options: NotificationCenterOptions = {}) {
    this.durationMs = options.durationMs ?? 6_000;
    this.max = options.max ?? 5;
  }

  getSnapshot = (): readonly Notification[] => this.list;

  subscribe = (listener: () => void): Disposer => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Shows a notification; returns its id. */
  notify(input: NotificationInput): string {
    const { durationMs, ...rest } = input;
    const id = input.id ?? `n${++this.counter}`;
    const n: Notification = Object.freeze({
      ...rest,
      id,
      sticky: input.sticky ?? false,
      createdAt: Date.now(),
    });
    let next = [...this.list.filter((x) => x.id !== id), n];
    while (next.length > this.max) {
      const drop = next.find((x) => !x.sticky) ?? next[0];
      next = next.filter((x) => x !== drop);
      this.clearTimer(drop.id);
    }
    this.set(next);
    this.clearTimer(id);
    if (!n.sticky) {
      this.timers.set(
        id,
        setTimeout(() => this.dismiss(id), durationMs ?? this.durationMs),
      );
    }
    return id;
  }

  dismiss(id: string): void {
    this.clearTimer(id);
    if (!this.list.some((n) => n.id === id)) return;
    this.set(this.list.filter((n) => n.id !== id));
  }

  clear(): void {
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
    if (this.list.length > 0) this.set([]);
  }

  /** Stops every timer (the provider unmounted); shown notifications stay until dismissed. */
  dispose(): void {
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
  }

  /** Listeners now (for tests). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  private clearTimer(id: string): void {
    const t = this.timers.get(id);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(id);
  }

  private set(list: Notification[]): void {
    this.list = Object.freeze(list);
    for (const l of [...this.listeners]) l();
  }
}
