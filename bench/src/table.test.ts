import { describe, expect, it } from 'vitest';
import { formatTable } from './table.js';

describe('formatTable', () => {
  it('aligns numbers right and shows errors in place of metrics', () => {
    const out = formatTable(
      [{ title: 'deliveries/s', key: 'd' }],
      [
        { system: 'ws', d: 81234 },
        { system: 'syncline', error: 'did not start\nstack' },
      ],
    );
    expect(out.split('\n')).toEqual([
      'system    deliveries/s',
      '--------  ------------',
      'ws              81,234',
      'syncline  error: did not start',
    ]);
  });
});
