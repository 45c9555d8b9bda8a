import { ZONE_TYPES, type ZoneType } from '@syncline/doc';
import { memo, useEffect, useId, useRef, useState } from 'react';
import {
  countText,
  LOW_CONFIDENCE,
  NO_FILTER,
  SORT_LABELS,
  ZONE_SORTS,
  type ZoneFilter,
  type ZoneSort,
} from '../lib/zone-filter.js';

interface Props {
  filter: ZoneFilter;
  onChange: (filter: ZoneFilter) => void;
  /** How many zones match, of how many, and how many more are listed that do not (see `useShownZones`). */
  matching: number;
  total: number;
  kept: number;
  filtered: boolean;
}

/** How long after the last change of the filter its count is said to a screen reader (not at every key typed). */
const ANNOUNCE_AFTER_MS = 600;

const PERCENT = `${Math.round(LOW_CONFIDENCE * 100)}%`;

/**
 * Finding zones in a long list: a text to look for (in the zones' text and label, case and accents aside), a type,
 * low confidence only, and an order; with how many zones match. The count is said to a screen reader once the filter
 * has stopped changing (a status: never the zones arriving while a PDF is processed, which the processing panel tells).
 */
export const ZoneFilterBar = memo(function ZoneFilterBar({
  filter,
  onChange,
  matching,
  total,
  kept,
  filtered,
}: Props) {
  const count = countText(matching, total, kept, filtered);
  const set = (change: Partial<ZoneFilter>) => onChange({ ...filter, ...change });
  // Said once the filter settles, as it then counts (the count as zones change meanwhile is not said).
  const [said, setSaid] = useState('');
  const countRef = useRef(count);
  countRef.current = count;
  const first = useRef(true);
  const queryRef = useRef<HTMLInputElement>(null);
  const id = useId();
  useEffect(() => {
    void filter;
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = setTimeout(() => setSaid(countRef.current), ANNOUNCE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [filter]);
  return (
    // biome-ignore lint/a11y/useSemanticElements: <search> is not in every browser Studio runs in
    <div className="zone-filters" role="search" aria-label="Find zones">
      <label className="zone-filter-query">
        Find in zones
        <input
          ref={queryRef}
          type="search"
          value={filter.query}
          placeholder="Text or label"
          onChange={(e) => set({ query: e.target.value })}
          onKeyDown={(e) => {
            // Escape empties the field (as the browser's does), and only that: nothing else hears it.
            if (e.key === 'Escape' && filter.query !== '') {
              e.preventDefault();
              e.stopPropagation();
              set({ query: '' });
            }
          }}
        />
      </label>
      {/* The selects are named by their labels alone (`for`), not by what a label around them holds too: their
          options' text (a "type" in each). */}
      <span className="inline-field">
        <label htmlFor={`${id}-type`}>Show</label>
        <select
          id={`${id}-type`}
          value={filter.type}
          onChange={(e) => set({ type: e.target.value as ZoneType | 'all' })}
        >
          <option value="all">all types</option>
          {ZONE_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </span>
      <label className="inline-field">
        <input
          type="checkbox"
          checked={filter.lowConfidence}
          onChange={(e) => set({ lowConfidence: e.target.checked })}
        />
        Low confidence only (under {PERCENT})
      </label>
      <span className="inline-field">
        <label htmlFor={`${id}-sort`}>Sort</label>
        <select
          id={`${id}-sort`}
          value={filter.sort}
          onChange={(e) => set({ sort: e.target.value as ZoneSort })}
        >
          {ZONE_SORTS.map((s) => (
            <option key={s} value={s}>
              {SORT_LABELS[s]}
            </option>
          ))}
        </select>
      </span>
      <p className="zone-count" data-testid="zone-count">
        {count}
      </p>
      {filtered && (
        <button
          type="button"
          className="small"
          onClick={() => {
            onChange({ ...NO_FILTER, sort: filter.sort });
            // The button goes with the filters: the focus goes to the field to find with, not to the page.
            queryRef.current?.focus();
          }}
        >
          Clear filters
        </button>
      )}
      <p className="visually-hidden" role="status">
        {said}
      </p>
    </div>
  );
});
