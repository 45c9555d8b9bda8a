import { describe, expect, it } from 'vitest';
import { FrameLog } from './frame-log.js';

describe('FrameLog', () => {
  it('keeps the last N frames, oldest first', () => {
    const log = new FrameLog(3);
    for (let i = 1; i <= 5; i++) log.push({ dir: i % 2 ? 'in' : 'out', at: i, frame: { n: i } });
    expect(log.list().map((r) => r.at)).toEqual([3, 4, 5]);
    expect(log.list()[0]).toEqual({ dir: 'in', at: 3, frame: { n: 3 } });
  });

  it('lists a partly filled buffer as is', () => {
    const log = new FrameLog(3);
    log.push({ dir: 'out', at: 1, frame: 'a' });
    expect(log.list()).toEqual([{ dir: 'out', at: 1, frame: 'a' }]);
  });
});
