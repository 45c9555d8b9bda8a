import type { HistoryEntry } from '@syncline/protocol';
import { describe, expect, it } from 'vitest';
import { clockTime, historyItems, historyVerb, RUN_GAP_MS, relativeTime } from './history.js';

let version = 0;
const entry = (userId: string, kind: string, zoneIds: string[], ts: number): HistoryEntry => ({
  version: ++version,
  userId,
  ts,
  opId: `${userId}-${version}`,
  kind,
  zoneIds,
});

describe('historyItems', () => {
  it("merges each user's typing in one zone into a line, newest first, and keeps everything else apart", () => {
    version = 0;
    const entries = [
      entry('ann', 'zone_create', ['z1'], 1_000),
      entry('ann', 'zone_edit', ['z1'], 2_000),
      entry('ann', 'zone_edit', ['z1'], 3_000),
      entry('ben', 'zone_edit', ['z1'], 3_500), // ben types along: a line of his own
      entry('ann', 'zone_edit', ['z1'], 4_000), // ann's line goes on
      entry('ben', 'zone_edit', ['z1'], 4_500),
      entry('ann', 'zone_edit', ['z2'], 7_000), // another zone
      entry('ann', 'zone_edit', ['z2'], 7_000 + RUN_GAP_MS + 1), // too long after
      entry('ann', 'zone_update', ['z2'], 9_000_000),
      entry('ann', 'zone_update', ['z2'], 9_000_001), // attribute changes stay one line each
      entry('ann', 'zone_edit', ['z2'], 9_000_002), // not merged across them
    ];
    expect(historyItems(entries).map((i) => [i.from, i.to, i.userId, i.kind, i.zoneIds, i.count])).toEqual([
      [11, 11, 'ann', 'zone_edit', ['z2'], 1],
      [10, 10, 'ann', 'zone_update', ['z2'], 1],
      [9, 9, 'ann', 'zone_update', ['z2'], 1],
      [8, 8, 'ann', 'zone_edit', ['z2'], 1],
      [7, 7, 'ann', 'zone_edit', ['z2'], 1],
      [4, 6, 'ben', 'zone_edit', ['z1'], 2],
      [2, 5, 'ann', 'zone_edit', ['z1'], 3],
      [1, 1, 'ann', 'zone_create', ['z1'], 1],
    ]);
    expect(historyItems(entries).find((i) => i.userId === 'ann' && i.count === 3)?.ts).toBe(4_000); // the last op
    expect(entries[1].zoneIds).toEqual(['z1']); // the entries are left as they were
  });

  it('lists the lines newest first by their last op, a run that went on after another line above it', () => {
    version = 0;
    const entries = [
      entry('ann', 'zone_edit', ['z1'], 1_000),
      entry('ann', 'zone_edit', ['z1'], 2_000),
      entry('ben', 'zone_edit', ['z2'], 3_000), // ben types once, while ann goes on
      entry('ann', 'zone_edit', ['z1'], 4_000),
      entry('cy', 'zone_edit', ['z1'], 4_500),
      entry('cy', 'zone_edit', ['z1'], 5_000),
      entry('ann', 'zone_edit', ['z1'], 6_000),
    ];
    const items = historyItems(entries);
    expect(items.map((i) => [i.userId, i.from, i.to, i.count, i.ts])).toEqual([
      ['ann', 1, 7, 4, 6_000],
      ['cy', 5, 6, 2, 5_000],
      ['ben', 3, 3, 1, 3_000],
    ]);
    // The times shown never go up down the list.
    for (let i = 1; i < items.length; i++) expect(items[i].ts).toBeLessThanOrEqual(items[i - 1].ts);
  });

  it("carries the author's name the history gives, the latest of a run", () => {
    version = 0;
    const named = (e: HistoryEntry, userName: string) => ({ ...e, userName });
    const entries = [
      named(entry('u1', 'zone_create', ['z1'], 1_000), 'Ann'),
      entry('u2', 'zone_update', ['z1'], 2_000),
      named(entry('u1', 'zone_edit', ['z1'], 3_000), 'Ann'),
      named(entry('u1', 'zone_edit', ['z1'], 4_000), 'Ann B.'),
    ];
    expect(historyItems(entries).map((i) => [i.userId, i.userName, i.count])).toEqual([
      ['u1', 'Ann B.', 2],
      ['u2', undefined, 1],
      ['u1', 'Ann', 1],
    ]);
  });
});

describe('moves and resizes', () => {
  it('says "moved" or "resized" for a change of a zone\'s box alone, "changed" for any other change', () => {
    version = 0;
    const boxed = (e: HistoryEntry, box: 'moved' | 'resized') => ({ ...e, box });
    const entries = [
      boxed(entry('ann', 'zone_update', ['z1'], 1_000), 'moved'),
      boxed(entry('ann', 'zone_update', ['z1'], 2_000), 'resized'),
      entry('ann', 'zone_update', ['z1'], 3_000), // its type, say
    ];
    const items = historyItems(entries);
    expect(items.map((i) => historyVerb(i.kind, i.box))).toEqual(['changed', 'resized', 'moved']);
    // Two moves in a row stay two lines (each is one drop of the box, one undo).
    expect(historyItems([entries[0], { ...entries[0], version: 9 }])).toHaveLength(2);
  });

  it('names a box change as such only for an attribute change', () => {
    expect(historyVerb('zone_update', 'moved')).toBe('moved');
    expect(historyVerb('zone_update', 'resized')).toBe('resized');
    expect(historyVerb('zone_update')).toBe('changed');
    expect(historyVerb('mixed', 'moved')).toBe('changed');
    expect(historyVerb('zone_edit', 'moved')).toBe('edited the text of');
  });
});

describe('clockTime', () => {
  it('gives the time of day for today and the date before', () => {
    const now = new Date(2026, 10, 26, 15, 40).getTime();
    expect(clockTime(new Date(2026, 10, 26, 9, 5).getTime(), now)).toMatch(/9:05|09:05/);
    const before = clockTime(new Date(2026, 10, 24, 9, 5).getTime(), now);
    expect(before).toMatch(/24/);
    expect(before).not.toMatch(/9:05/);
  });
});

describe('historyVerb / relativeTime', () => {
  it('says what was done and how long ago', () => {
    expect(historyVerb('zone_edit')).toBe('edited the text of');
    expect(historyVerb('zone_delete')).toBe('deleted');
    expect(historyVerb('meta')).toBe("changed the document's details");
    expect(historyVerb('something new')).toBe('changed');
    const now = 10_000_000;
    expect(relativeTime(now - 2_000, now)).toBe('just now');
    expect(relativeTime(now - 42_000, now)).toBe('42 s ago');
    expect(relativeTime(now - 3 * 60_000, now)).toBe('3 min ago');
    expect(relativeTime(now - 2 * 3_600_000, now)).toBe('2 h ago');
  });
});
