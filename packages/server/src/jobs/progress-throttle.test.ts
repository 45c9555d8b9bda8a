import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/testing/fake-clock.js';
import { ProgressThrottle } from './progress-throttle.js';

describe('ProgressThrottle', () => {
  const setup = () => {
    const clock = new FakeClock();
    const sent: [number, number][] = [];
    const t = new ProgressThrottle<number>(
      clock,
      (v) => sent.push([clock.now() - 1_700_000_000_000, v]),
      100,
    );
    return { clock, sent, t };
  };

  it('sends the first value at once and at most one per interval after, always the latest', () => {
    const { clock, sent, t } = setup();
    t.push(1);
    t.push(2);
    t.push(3);
    expect(sent).toEqual([[0, 1]]);
    clock.advance(100);
    expect(sent).toEqual([
      [0, 1],
      [100, 3],
    ]);
    clock.advance(500);
    t.push(4);
    expect(sent.at(-1)).toEqual([600, 4]);
  });

  it('never sends more than 10 per second under a flood', () => {
    const { clock, sent, t } = setup();
    for (let i = 0; i < 1000; i++) {
      t.push(i);
      clock.advance(1);
    }
    expect(sent.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < sent.length; i++) expect(sent[i][0] - sent[i - 1][0]).toBeGreaterThanOrEqual(100);
    clock.advance(100);
    expect(sent.at(-1)?.[1]).toBe(999);
  });

  it('flush sends the waiting value now; close drops it and its timer', () => {
    const { clock, sent, t } = setup();
    t.push(1);
    t.push(2);
    t.flush();
    expect(sent.map(([, v]) => v)).toEqual([1, 2]);
    t.push(3);
    t.close();
    clock.advance(1000);
    expect(sent.map(([, v]) => v)).toEqual([1, 2]);
    expect(clock.timerCount).toBe(0);
  });
});
