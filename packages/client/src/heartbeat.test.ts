import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultClock, defaultTimers } from './environment.js';
import { Heartbeat } from './heartbeat.js';

describe('Heartbeat', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  const make = () => {
    const sendPing = vi.fn();
    const onTimeout = vi.fn();
    const onRtt = vi.fn();
    const hb = new Heartbeat({ timers: defaultTimers, clock: defaultClock, sendPing, onTimeout, onRtt });
    return { hb, sendPing, onTimeout, onRtt };
  };

  it('pings every interval while frames keep arriving', () => {
    const { hb, sendPing, onTimeout } = make();
    hb.start(1000, 500);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(1000);
      hb.received();
    }
    expect(sendPing).toHaveBeenCalledTimes(5);
    expect(sendPing).toHaveBeenLastCalledWith(5000);
    expect(onTimeout).not.toHaveBeenCalled();
    hb.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('caps a server interval longer than a timer can wait instead of spinning', () => {
    const { hb, sendPing, onTimeout } = make();
    hb.start(2 ** 32, 10_000);
    const spy = vi.spyOn(globalThis, 'setTimeout');
    vi.advanceTimersByTime(1000);
    expect(spy).not.toHaveBeenCalled(); // an uncapped delay fires at once and re-arms, again and again
    spy.mockRestore();
    expect(sendPing).not.toHaveBeenCalled();
    expect(onTimeout).not.toHaveBeenCalled();
    hb.stop();
  });

  it('times out after interval + timeout of silence', () => {
    const { hb, onTimeout } = make();
    hb.start(1000, 500);
    vi.advanceTimersByTime(1499);
    expect(onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('measures RTT from the echoed timestamp', () => {
    const { hb, sendPing, onRtt } = make();
    hb.start(1000, 500);
    vi.advanceTimersByTime(1000);
    const ts = sendPing.mock.calls[0][0];
    vi.advanceTimersByTime(42);
    hb.pong(ts);
    expect(hb.rtt).toBe(42);
    expect(onRtt).toHaveBeenCalledWith(42);
    hb.stop();
  });
});
