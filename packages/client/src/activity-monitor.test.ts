import type { PresenceStatus } from '@syncline/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ActivityMonitor } from './activity-monitor.js';
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

  it('is idle while the page is hidden, whatever the input, and active when it shows', () => {
    const { browser, monitor, changes, input } = watch();
    browser.setVisible(false);
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
