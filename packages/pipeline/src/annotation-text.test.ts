import { describe, expect, it } from 'vitest';
import { annotationItems } from './annotation-text.js';

const field = (extra: Record<string, unknown>) => ({
  subtype: 'Widget',
  fieldType: 'Tx',
  rect: [100, 600, 300, 624],
  defaultAppearanceData: { fontSize: 10 },
  ...extra,
});

describe('annotationItems', () => {
  it('places the lines an appearance draws from where its first starts', () => {
    const items = annotationItems([field({ textContent: ['Ada', 'Lovelace'], textPosition: [2, 14] })]);
    expect(items.map((i) => [i.str, i.transform])).toEqual([
      ['Ada', [10, 0, 0, 10, 102, 614]],
      ['Lovelace', [10, 0, 0, 10, 102, 602.5]],
    ]);
  });

  it('reads a field without an appearance by its value, and a combo box by its choice', () => {
    const items = annotationItems([
      field({ fieldValue: 'Typed value' }),
      field({
        fieldType: 'Ch',
        combo: true,
        fieldValue: ['Chosen'],
        rect: [100, 600, 300, 616],
        defaultAppearanceData: { fontSize: 0 },
      }),
    ]);
    expect(items.map((i) => i.str)).toEqual(['Typed value', 'Chosen']);
    // Auto size: fitted to the field's height (at most 12).
    expect(items[1].height).toBeCloseTo(0.6 * 16);
  });

  it('leaves out passwords, empty fields, check boxes, list boxes, links and highlights', () => {
    expect(
      annotationItems([
        field({ fieldValue: 'secret', password: true }),
        field({ fieldValue: '' }),
        field({ fieldType: 'Btn', fieldValue: 'Yes' }),
        field({ fieldType: 'Ch', combo: false, fieldValue: ['One', 'Two'] }),
        { subtype: 'Link', rect: [0, 0, 10, 10], textContent: ['page text'] },
        { subtype: 'Highlight', rect: [0, 0, 10, 10], textContent: ['page text'] },
        field({ rect: 'broken', fieldValue: 'x' }),
      ]),
    ).toEqual([]);
  });
});
