import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';
import { BUSY_UTILIZATION, LOAD_SAMPLE_MS, LoadGauge } from './load-gauge.js';
import { FakeClock } from './testing/fake-clock.js';

describe('LoadGauge', () => {
  const gauges: LoadGauge[] = [];
  afterEach(() => {
    for (const g of gauges.splice(0)) g.stop();
  });

  it('counts as busy from the first sample above half busy until one at or below it', () => {
    const clock = new FakeClock();
    const gauge = new LoadGauge(clock);
    gauges.push(gauge);
    gauge.start();
    expect(gauge.busy).toBe(false);
    clock.utilization = 0.8;
    clock.advance(LOAD_SAMPLE_MS - 1);
    expect(gauge.busy).toBe(false); // not sampled yet
    clock.advance(1);
    expect(gauge.busy).toBe(true);
    expect(gauge.utilization).toBe(0.8);
    clock.utilization = BUSY_UTILIZATION;
    clock.advance(LOAD_SAMPLE_MS);
    expect(gauge.busy).toBe(false);
    clock.utilization = 1;
    clock.advance(LOAD_SAMPLE_MS);
    gauge.stop();
    expect(gauge.busy).toBe(false); // a stopped gauge never holds anything back
    clock.advance(LOAD_SAMPLE_MS);
    expect(gauge.busy).toBe(false);
  });

  it('reads the real event loop: busy while a loop spins, idle while it waits', async () => {
    const read = systemClock.utilizationSampler();
    const until = performance.now() + 30;
    while (performance.now() < until) {
      // spin
    }
    expect(read()).toBeGreaterThan(0.5);
    // Waiting is idle, but a starved machine (the whole suite on two cores) can keep this process off the CPU for a
    // whole wait, and then it reaches its poll with the timer already due and no idle time in between: so waits are
    // read until one shows idle time (a sampler that never does fails after twenty).
    let waited = 1;
    for (let i = 0; i < 20 && waited >= 0.5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      waited = read();
    }
    expect(waited).toBeLessThan(0.5);
  });
});
