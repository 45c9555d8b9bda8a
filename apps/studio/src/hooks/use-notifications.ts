import { useSyncExternalStore } from 'react';

export type NoticeKind = 'info' | 'warning' | 'error' | 'success';

export interface Notice {
  id: number;
  kind: NoticeKind;
  message: string;
}

const AUTO_DISMISS_MS = 8000;
let notices: readonly Notice[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const timers = new Map<number, ReturnType<typeof setTimeout>>();

function set(next: readonly Notice[]): void {
  notices = next;
  for (const l of listeners) l();
}

/** Shows a toast (the same message is not shown twice at once). */
export function notify(kind: NoticeKind, message: string): void {
  if (notices.some((n) => n.message === message)) return;
  const id = nextId++;
  set([...notices.slice(-4), { id, kind, message }]);
  timers.set(
    id,
    setTimeout(() => dismiss(id), kind === 'error' ? AUTO_DISMISS_MS * 2 : AUTO_DISMISS_MS),
  );
}

export function dismiss(id: number): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  set(notices.filter((n) => n.id !== id));
}

export function useNotifications(): readonly Notice[] {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => notices,
  );
}
