'use client';
import { type FocusEvent, type ReactNode, useEffect, useRef } from 'react';
import { useSynclineContext } from '../context.js';
import type { Notification, NotificationAction } from '../notification-center.js';
import { useBrowserLayoutEffect } from '../use-browser-layout-effect.js';
import { useNotifications } from '../use-notifications.js';

export type { NotificationAction };

export interface NotificationContainerProps {
  className?: string;
  /**
   * The action a toast offers, if any: say "Show zone" for one about zones (`zoneIds`, `documentId`) of the
   * document on screen. Asked at every render; `null` for none. A toast given its own `action` (`notify({…, action})`)
   * offers that one instead.
   */
  action?: (n: Notification) => NotificationAction | null;
}

/** What had the focus among the toasts, and in which toast. */
interface Had {
  el: Element;
  id: string | null;
}

/**
 * The toast to give the focus to when what had it in toast `lost` went: that toast if it is still there, else the next
 * one still shown, in the order `before` they were shown in, else the one before it; null when none is left.
 */
function toastToFocus(before: readonly string[], now: readonly string[], lost: string): string | null {
  const left = new Set(now);
  if (left.has(lost)) return lost; // only its button went
  const at = before.indexOf(lost);
  if (at === -1) return now[now.length - 1] ?? null;
  for (let i = at + 1; i < before.length; i++) if (left.has(before[i])) return before[i];
  for (let i = at - 1; i >= 0; i--) if (left.has(before[i])) return before[i];
  return null;
}

/**
 * The provider's toasts: conflicts, refused edits (`zone_locked`, `forbidden`), errors, maintenance.
 * Errors and refusals are announced assertively, the rest politely; each has a Dismiss button, and the
 * action `action` offers for it, if any.
 *
 * A toast that goes while it has the focus (Dismiss, its action, its time up) does not leave the keyboard on the page's
 * body: the focus goes to the next toast's Dismiss (else the one before's), and with no toast left, back to the element
 * that had it before it came into the toasts, if that is still in the page. An action that puts the focus somewhere
 * itself (Studio's Show zone: in the zone's text) has it there.
 *
 * No toast times out while the pointer is over the toasts or the keyboard's focus is in them
 * (`NotificationCenter.hold`): one being read, or whose action the keyboard has reached, does not go from under the user.
 */
export function NotificationContainer({ className, action }: NotificationContainerProps): ReactNode {
  const { notifications, dismiss } = useNotifications();
  const { notifications: center } = useSynclineContext();
  const region = useRef<HTMLElement>(null);
  // The holds of the pointer and of the focus (their release), while they are on the toasts.
  const pointerHold = useRef<(() => void) | null>(null);
  const focusHold = useRef<(() => void) | null>(null);
  /** Holds the toasts while the focus is in them, from `inside` (else whether the active element is). */
  const holdForFocus = (inside = region.current?.contains(document.activeElement) ?? false) => {
    if (inside && !focusHold.current) focusHold.current = center.hold();
    else if (!inside && focusHold.current) {
      focusHold.current();
      focusHold.current = null;
    }
  };
  useEffect(
    () => () => {
      pointerHold.current?.();
      focusHold.current?.();
      pointerHold.current = null;
      focusHold.current = null;
    },
    [],
  );
  const had = useRef<Had | null>(null);
  // Where the focus came into the toasts from, to go back to.
  const cameFrom = useRef<HTMLElement | null>(null);
  // The toasts as last shown: the order the focus was lost in.
  const shown = useRef<readonly string[]>([]);
  const outside = (el: EventTarget | null): el is HTMLElement =>
    el instanceof HTMLElement && !region.current?.contains(el);
  const onFocus = (e: FocusEvent<HTMLElement>) => {
    // Coming in from an element of the page (not moving between toasts, nor put on one here after a toast went).
    if (outside(e.relatedTarget)) cameFrom.current = e.relatedTarget;
    had.current = {
      el: e.target,
      id: e.target.closest('[data-notification-id]')?.getAttribute('data-notification-id') ?? null,
    };
    holdForFocus(true);
  };
  const onBlur = (e: FocusEvent<HTMLElement>) => {
    // Gone elsewhere in the page. (No related target: the window lost the focus, or the element went, for the effect.)
    if (outside(e.relatedTarget)) {
      had.current = null;
      holdForFocus(false);
    }
  };
  useBrowserLayoutEffect(() => {
    const before = shown.current;
    shown.current = notifications.map((n) => n.id);
    const lost = had.current;
    if (!lost || lost.el.isConnected) return;
    had.current = null;
    const active = document.activeElement;
    if (active && active !== document.body) return; // it went somewhere already (a toast's action put it there)
    const next = lost.id !== null ? toastToFocus(before, shown.current, lost.id) : shown.current.at(-1);
    const dismissOf = (id: string) =>
      Array.from(region.current?.querySelectorAll<HTMLElement>('.syncline-notification__dismiss') ?? []).find(
        (b) => b.closest('[data-notification-id]')?.getAttribute('data-notification-id') === id,
      );
    const back = cameFrom.current;
    const target = next ? dismissOf(next) : back?.isConnected ? back : null;
    target?.focus();
    holdForFocus(); // still in the toasts, or gone from them with the last
  });
  return (
    <section
      ref={region}
      className={['syncline-notifications', className].filter(Boolean).join(' ')}
      aria-label="Notifications"
      aria-live="polite"
      onFocus={onFocus}
      onBlur={onBlur}
      onPointerEnter={() => {
        pointerHold.current ??= center.hold();
      }}
      onPointerLeave={() => {
        pointerHold.current?.();
        pointerHold.current = null;
      }}
    >
      {notifications.map((n) => {
        const urgent = n.kind === 'error' || n.kind === 'rejected' || n.kind === 'maintenance';
        const offered = n.action ?? action?.(n) ?? null;
        return (
          <div
            key={n.id}
            className="syncline-notification"
            data-notification-id={n.id}
            data-kind={n.kind}
            data-code={n.code}
            role={urgent ? 'alert' : 'status'}
          >
            <strong className="syncline-notification__title">{n.title}</strong>
            <span className="syncline-notification__message">{n.message}</span>
            {offered && (
              <button
                type="button"
                className="syncline-notification__action"
                onClick={() => {
                  dismiss(n.id);
                  offered.run();
                }}
              >
                {offered.label}
              </button>
            )}
            <button
              type="button"
              className="syncline-notification__dismiss"
              aria-label={`Dismiss: ${n.title}`}
              onClick={() => dismiss(n.id)}
            >
              ×
            </button>
          </div>
        );
      })}
    </section>
  );
}
