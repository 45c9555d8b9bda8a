import { describe, expect, it } from 'vitest';
import { timedJobTimeoutMs, timedRunTimeoutMs } from './timed.js';

describe('timed workload timeouts', () => {
  it('give the load generator the whole run plus a minute, the harness three', () => {
    const p = { warmup: 2, duration: 20 };
    expect(timedJobTimeoutMs(p)).toBe(82_000);
    expect(timedRunTimeoutMs(p)).toBe(202_000);
  });
});
