import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/testing/fake-clock.js';
import { PagePacer } from './page-pacer.js';

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await Promise.resolve();
  await Promise.resolve();
  return done;
};

describe('PagePacer', () => {
  it('hands each page over 1 / limit seconds after the previous one', async () => {
    const clock = new FakeClock();
    const pacer = new PagePacer(clock, 4);
    const signal = new AbortController().signal;
    expect(await settled(pacer.wait(signal))).toBe(true);
    const second = pacer.wait(signal);
    expect(await settled(second)).toBe(false);
    clock.advance(249);
    expect(await settled(second)).toBe(false);
    clock.advance(1);
    expect(await settled(second)).toBe(true);
    // A page that arrives late is not held, and the one after it waits its full interval (no burst).
    clock.advance(1_000);
    expect(await settled(pacer.wait(signal))).toBe(true);
    const next = pacer.wait(signal);
    clock.advance(249);
    expect(await settled(next)).toBe(false);
    clock.advance(1);
    expect(await settled(next)).toBe(true);
    expect(clock.timerCount).toBe(0);
  });

  it('does not wait without a limit', async () => {
    const clock = new FakeClock();
    for (const limit of [undefined, 0, Number.POSITIVE_INFINITY]) {
      const pacer = new PagePacer(clock, limit);
      const signal = new AbortController().signal;
      for (let i = 0; i < 3; i++) expect(await settled(pacer.wait(signal))).toBe(true);
    }
    expect(clock.timerCount).toBe(0);
  });

  it('ends a wait when the job is cancelled, leaving no timer', async () => {
    const clock = new FakeClock();
    const pacer = new PagePacer(clock, 1);
    const ac = new AbortController();
    await pacer.wait(ac.signal);
    const waiting = pacer.wait(ac.signal);
    expect(clock.timerCount).toBe(1);
    ac.abort();
    expect(await settled(waiting)).toBe(true);
    expect(clock.timerCount).toBe(0);
  });
});
