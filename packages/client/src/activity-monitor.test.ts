import type { PresenceStatus } from '@syncline/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ActivityMonitor, HIDDEN_IDLE_DELAY_MS } from './activity-monitor.js';
import { defaultClock, defaultTimers } from './environment.js';
import { fakeBrowser } from './testing/fake-websocket.js';

describe('ActivityMonitor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function watch(browser = fakeBrowser()) {
    const changes: PresenceStatus[] = [];
    const monitor = new ActivityMonitor(
      browser.window,
      { idleAfterMs: 60_000, timers: defaultTimers, clock: defaultClock },
      (s) => changes.push(s),
    );
    const input = (type = 'pointermove') => browser.window.dispatchEvent(new Event(type));
    return { browser, monitor, changes, input };
  }

  it('goes idle after a minute without input, and active at the next input', () => {
    const { monitor, changes, input } = watch();
    expect(monitor.current).toBe('active');
    vi.advanceTimersByTime(40_000);
    input('keydown'); // the minute starts again
    vi.advanceTimersByTime(59_999);
    expect(changes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(changes).toEqual(['idle']);
    input();
    input();
    expect(changes).toEqual(['idle', 'active']);
    vi.advanceTimersByTime(60_000);
    expect(changes).toEqual(['idle', 'active', 'idle']);
    monitor.dispose();
  });

  it('does not spin on an idleAfterMs longer than a timer can wait', () => {
    const changes: PresenceStatus[] = [];
    const monitor = new ActivityMonitor(
      fakeBrowser().window,
      { idleAfterMs: Number.POSITIVE_INFINITY, timers: defaultTimers, clock: defaultClock },
      (s) => changes.push(s),
    );
    const spy = vi.spyOn(globalThis, 'setTimeout');
    vi.advanceTimersByTime(1000);
    expect(spy).not.toHaveBeenCalled(); // an uncapped delay fires at once and re-arms, again and again
    expect(changes).toEqual([]);
    spy.mockRestore();
    monitor.dispose();
  });

  it('is idle while the page is hidden, whatever the input, and active when it shows', () => {
    const { browser, monitor, changes, input } = watch();
    browser.setVisible(false);
    expect(changes).toEqual([]);
    vi.advanceTimersByTime(HIDDEN_IDLE_DELAY_MS);
    expect(changes).toEqual(['idle']);
    input();
    vi.advanceTimersByTime(120_000);
    expect(changes).toEqual(['idle']);
    browser.setVisible(true);
    expect(changes).toEqual(['idle', 'active']);
    vi.advanceTimersByTime(60_000);
    expect(changes).toEqual(['idle', 'active', 'idle']);
    monitor.dispose();
  });

  it('does not go idle for a page hidden only on its way out (a reload), nor for a quick look at another tab', () => {
    const { browser, monitor, changes } = watch();
    browser.setVisible(false); // a reload hides the page, then it goes
    vi.advanceTimersByTime(HIDDEN_IDLE_DELAY_MS - 1);
    browser.setVisible(true);
    vi.advanceTimersByTime(HIDDEN_IDLE_DELAY_MS);
    expect(changes).toEqual([]);
    browser.setVisible(false);
    monitor.dispose(); // the page is gone: nothing more is said
    vi.advanceTimersByTime(HIDDEN_IDLE_DELAY_MS);
    expect(changes).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts idle on a hidden page, and lets go of every listener and timer', () => {
    const browser = fakeBrowser();
    browser.window.document.visibilityState = 'hidden';
    const { monitor, changes } = watch(browser);
    expect(monitor.current).toBe('idle');
    expect(changes).toEqual(['idle']);
    monitor.dispose();
    expect(browser.listeners).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
