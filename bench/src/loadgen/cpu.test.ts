import { describe, expect, it } from 'vitest';
import { cpuMsSince, loadgenCpuMetrics } from './cpu.js';

describe('loadgenCpuMetrics', () => {
  it('rounds the CPU time and gives it as a percentage of the elapsed time', () => {
    expect(loadgenCpuMetrics(1234.6, 5000)).toEqual({ loadgen_cpu_ms: 1235, loadgen_cpu_pct: 25 });
  });

  it('keeps the key order of a result row', () => {
    expect(Object.keys(loadgenCpuMetrics(1, 1))).toEqual(['loadgen_cpu_ms', 'loadgen_cpu_pct']);
  });
});

describe('cpuMsSince', () => {
  it('counts this process’s CPU time, the kernel part included in the total', () => {
    const since = process.cpuUsage();
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
    const cpu = cpuMsSince(since);
    expect(x).toBeGreaterThan(0);
    expect(cpu.total).toBeGreaterThan(0);
    expect(cpu.system).toBeGreaterThanOrEqual(0);
    expect(cpu.system).toBeLessThanOrEqual(cpu.total);
  });
});
