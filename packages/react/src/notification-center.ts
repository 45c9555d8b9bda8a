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

/** Once a hold ends, the least time a toast has left: it does not go the moment the pointer or focus leaves it. */
export const AFTER_HOLD_MS = 1_000;

/**
 * The toasts of one provider: conflicts, rejected edits, errors and maintenance announcements. A store
 * for `useSyncExternalStore` (the list is replaced, never mutated). A notification with the same `id` as
 * a shown one replaces it (so repeated errors do not pile up). While held (`hold`: the pointer or the keyboard's focus
 * is on the toasts) none times out: each goes on with the time it had left once the hold ends.
 */
export class NotificationCenter {
  private list: readonly Notification[] = Object.freeze([]);
  private readonly listeners = new Set<() => void>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** When each running timer ends (ms since the epoch). */
  private readonly dueAt = new Map<string, number>();
  /** While held: the time each toast had left (its timer stopped). */
  private readonly left = new Map<string, number>();
  private holds = 0;
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
      const ms = durationMs ?? this.durationMs;
      if (this.holds > 0) this.left.set(id, ms);
      else this.startTimer(id, ms);
    }
    return id;
  }

  /**
   * Holds every toast where it is (none times out) until the returned function is called: for as long as the user is
   * reading one, or has the keyboard on its buttons. Holds nest; each toast goes on with the time it had left (at least
   * `AFTER_HOLD_MS`) once the last ends.
   */
  hold(): () => void {
    if (this.holds++ === 0) {
      const now = Date.now();
      for (const [id, timer] of this.timers) {
        clearTimeout(timer);
        this.left.set(id, Math.max(0, (this.dueAt.get(id) ?? now) - now));
      }
      this.timers.clear();
      this.dueAt.clear();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds > 0) return;
      for (const [id, ms] of this.left) this.startTimer(id, Math.max(ms, AFTER_HOLD_MS));
      this.left.clear();
    };
  }

  dismiss(id: string): void {
    this.clearTimer(id);
    if (!this.list.some((n) => n.id === id)) return;
    this.set(this.list.filter((n) => n.id !== id));
  }

  clear(): void {
    for (const id of [...this.timers.keys(), ...this.left.keys()]) this.clearTimer(id);
    if (this.list.length > 0) this.set([]);
  }

  /** Stops every timer (the provider unmounted); shown notifications stay until dismissed. */
  dispose(): void {
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
    this.left.clear();
  }

  /** Listeners now (for tests). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  private startTimer(id: string, ms: number): void {
    this.timers.set(
      id,
      setTimeout(() => this.dismiss(id), ms),
    );
    this.dueAt.set(id, Date.now() + ms);
  }

  private clearTimer(id: string): void {
    const t = this.timers.get(id);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(id);
    this.dueAt.delete(id);
    this.left.delete(id);
  }

  private set(list: Notification[]): void {
    this.list = Object.freeze(list);
    for (const l of [...this.listeners]) l();
  }
}
