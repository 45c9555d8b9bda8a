/**
 * The behaviour every `LogStore` must have, as a vitest suite. Each adapter's test calls
 * `describeLogStoreContract` with a factory; nothing here may depend on one implementation.
 *
 * @example
 * describeLogStoreContract('MemoryLogStore', () => new MemoryLogStore());
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppendInput, LogStore } from './log-store.js';

export function describeLogStoreContract(
  name: string,
  makeStore: () => Promise<LogStore> | LogStore,
  /** Runs after each test, once the store is closed (e.g. to delete its files). */
  cleanup?: (store: LogStore) => Promise<void> | void,
): void {
  describe(`${name} (LogStore contract)`, () => {
    let store: LogStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.(store);
    });

    const ev = (n: number, extra: Partial<AppendInput> = {}): AppendInput => ({
      type: 'test.event',
      data: { n },
      ts: 1_000 + n,
      ...extra,
    });
    const evs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ev(from + i));
    const seqsOf = async (room: string, afterSeq = 0) =>
      (await store.read(room, afterSeq, 10_000)).entries.map((e) => e.seq);

    describe('sequencing', () => {
      it('starts each room at seq 1', async () => {
        expect(await store.append('doc:a', [ev(1)])).toEqual([{ seq: 1, duplicate: false }]);
        expect(await store.lastSeq('doc:a')).toBe(1);
      });

      it('assigns gap-free seqs across calls', async () => {
        for (let i = 1; i <= 5; i++) await store.append('doc:a', [ev(i)]);
        await store.append('doc:a', evs(6, 8));
        expect(await seqsOf('doc:a')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(await store.lastSeq('doc:a')).toBe(8);
      });

      it('keeps rooms independent', async () => {
        await store.append('doc:a', evs(1, 3));
        expect(await store.append('doc:b', [ev(1)])).toEqual([{ seq: 1, duplicate: false }]);
        expect(await store.append('doc:a', [ev(4)])).toEqual([{ seq: 4, duplicate: false }]);
        expect(await store.lastSeq('doc:a')).toBe(4);
        expect(await store.lastSeq('doc:b')).toBe(1);
      });

      it('appends several inputs in order with consecutive seqs', async () => {
        await store.append('doc:a', [ev(0)]);
        const results = await store.append('doc:a', evs(1, 5));
        expect(results).toEqual([2, 3, 4, 5, 6].map((seq) => ({ seq, duplicate: false })));
        const { entries } = await store.read('doc:a', 1, 100);
        expect(entries.map((e) => [e.seq, e.data])).toEqual([
          [2, { n: 1 }],
          [3, { n: 2 }],
          [4, { n: 3 }],
          [5, { n: 4 }],
          [6, { n: 5 }],
        ]);
      });

      it('appends nothing for an empty input list and does not create the room', async () => {
        expect(await store.append('doc:a', [])).toEqual([]);
        expect(await store.read('doc:a', 0, 10)).toEqual({ entries: [], firstSeq: 1, lastSeq: 0 });
      });

      it('treats room names as opaque strings (unicode, separators, LIKE wildcards)', async () => {
        const rooms = ['doc:ünï/çødé 📄', 'user:a%b_c', 'system', 'doc:a:b:c'];
        for (const room of rooms) await store.append(room, evs(1, 2));
        for (const room of rooms) {
          const { entries } = await store.read(room, 0, 10);
          expect(entries.map((e) => e.room)).toEqual([room, room]);
          expect(await store.lastSeq(room)).toBe(2);
        }
      });
    });

    describe('reading', () => {
      it('reads an unknown room as empty with lastSeq 0 and firstSeq 1', async () => {
        expect(await store.read('doc:none', 0, 10)).toEqual({ entries: [], firstSeq: 1, lastSeq: 0 });
        expect(await store.lastSeq('doc:none')).toBe(0);
      });

      it('reads entries after a seq, in order, up to the limit', async () => {
        await store.append('doc:a', evs(1, 10));
        const page = await store.read('doc:a', 3, 4);
        expect(page.entries.map((e) => e.seq)).toEqual([4, 5, 6, 7]);
        expect(page.firstSeq).toBe(1);
        expect(page.lastSeq).toBe(10);
        const rest = await store.read('doc:a', 7, 100);
        expect(rest.entries.map((e) => e.seq)).toEqual([8, 9, 10]);
      });

      it('reads nothing after the last seq, and nothing with a zero limit', async () => {
        await store.append('doc:a', evs(1, 3));
        expect(await store.read('doc:a', 3, 10)).toEqual({ entries: [], firstSeq: 1, lastSeq: 3 });
        expect(await store.read('doc:a', 99, 10)).toEqual({ entries: [], firstSeq: 1, lastSeq: 3 });
        expect((await store.read('doc:a', 0, 0)).entries).toEqual([]);
      });

      it('returns full entries with room, seq, type, data, ts and from', async () => {
        await store.append('doc:a', [
          { type: 'zone.updated', data: { id: 'z1' }, ts: 1_700_000_000_123, from: 'u1' },
          { type: 'doc.saved', data: null, ts: 1_700_000_000_124 },
        ]);
        const { entries } = await store.read('doc:a', 0, 10);
        expect(entries).toEqual([
          {
            room: 'doc:a',
            seq: 1,
            type: 'zone.updated',
            data: { id: 'z1' },
            ts: 1_700_000_000_123,
            from: 'u1',
          },
          { room: 'doc:a', seq: 2, type: 'doc.saved', data: null, ts: 1_700_000_000_124 },
        ]);
        expect(entries[1].from).toBeUndefined();
      });

      it('returns copies: mutating data after append or after read does not change the log', async () => {
        const data = { list: [1, 2], nested: { a: 1 } };
        await store.append('doc:a', [{ type: 't', data, ts: 1 }]);
        data.list.push(3);
        const first = await store.read('doc:a', 0, 10);
        expect(first.entries[0].data).toEqual({ list: [1, 2], nested: { a: 1 } });
        (first.entries[0].data as { nested: { a: number } }).nested.a = 99;
        expect((await store.read('doc:a', 0, 10)).entries[0].data).toEqual({
          list: [1, 2],
          nested: { a: 1 },
        });
      });
    });

    describe('idempotent append (dedupKey)', () => {
      it('returns the existing seq for a key seen in an earlier call, without consuming a seq', async () => {
        expect(await store.append('doc:a', [ev(1, { dedupKey: 'u1/m1' })])).toEqual([
          { seq: 1, duplicate: false },
        ]);
        expect(await store.append('doc:a', [ev(2, { dedupKey: 'u1/m1' })])).toEqual([
          { seq: 1, duplicate: true },
        ]);
        expect(await store.append('doc:a', [ev(3)])).toEqual([{ seq: 2, duplicate: false }]);
        const { entries } = await store.read('doc:a', 0, 10);
        expect(entries.map((e) => e.data)).toEqual([{ n: 1 }, { n: 3 }]);
      });

      it('detects duplicates within one call', async () => {
        const results = await store.append('doc:a', [
          ev(1, { dedupKey: 'k1' }),
          ev(2, { dedupKey: 'k2' }),
          ev(3, { dedupKey: 'k1' }),
          ev(4),
          ev(5, { dedupKey: 'k2' }),
        ]);
        expect(results).toEqual([
          { seq: 1, duplicate: false },
          { seq: 2, duplicate: false },
          { seq: 1, duplicate: true },
          { seq: 3, duplicate: false },
          { seq: 2, duplicate: true },
        ]);
        expect(await store.lastSeq('doc:a')).toBe(3);
        expect(await seqsOf('doc:a')).toEqual([1, 2, 3]);
      });

      it('scopes keys to a room: the same key in another room is not a duplicate', async () => {
        await store.append('doc:a', [ev(1, { dedupKey: 'same' })]);
        await store.append('doc:a', [ev(2)]);
        expect(await store.append('doc:b', [ev(1, { dedupKey: 'same' })])).toEqual([
          { seq: 1, duplicate: false },
        ]);
        expect(await store.append('doc:a', [ev(3, { dedupKey: 'same' })])).toEqual([
          { seq: 1, duplicate: true },
        ]);
      });

      it('appends inputs without a key every time', async () => {
        await store.append('doc:a', [ev(1), ev(1)]);
        await store.append('doc:a', [ev(1)]);
        expect(await store.lastSeq('doc:a')).toBe(3);
      });

      it('forgets the key of an entry removed by retention', async () => {
        await store.append('doc:a', [ev(1, { dedupKey: 'old' }), ev(2, { dedupKey: 'kept' })]);
        await store.trim('doc:', { maxEvents: 1, maxAgeMs: Number.POSITIVE_INFINITY }, 10_000);
        expect(await store.append('doc:a', [ev(3, { dedupKey: 'kept' })])).toEqual([
          { seq: 2, duplicate: true },
        ]);
        expect(await store.append('doc:a', [ev(4, { dedupKey: 'old' })])).toEqual([
          { seq: 3, duplicate: false },
        ]);
      });
    });

    describe('retention (trim)', () => {
      const noAgeLimit = Number.POSITIVE_INFINITY;

      it('keeps the newest maxEvents, moves firstSeq and keeps lastSeq', async () => {
        await store.append('doc:a', evs(1, 10));
        expect(await store.trim('doc:', { maxEvents: 4, maxAgeMs: noAgeLimit }, 0)).toBe(6);
        const page = await store.read('doc:a', 0, 100);
        expect(page.entries.map((e) => e.seq)).toEqual([7, 8, 9, 10]);
        expect(page.firstSeq).toBe(7);
        expect(page.lastSeq).toBe(10);
        expect(await store.lastSeq('doc:a')).toBe(10);
        expect(await store.trim('doc:', { maxEvents: 4, maxAgeMs: noAgeLimit }, 0)).toBe(0);
      });

      it('drops entries older than maxAgeMs, keeping one exactly maxAgeMs old', async () => {
        // ts = 1001 .. 1010
        await store.append('doc:a', evs(1, 10));
        const now = 1_006 + 500;
        expect(await store.trim('doc:', { maxEvents: 1_000, maxAgeMs: 500 }, now)).toBe(5);
        const page = await store.read('doc:a', 0, 100);
        expect(page.entries.map((e) => e.ts)).toEqual([1_006, 1_007, 1_008, 1_009, 1_010]);
        expect(page.firstSeq).toBe(6);
        expect(page.lastSeq).toBe(10);
      });

      it('applies whichever of count and age removes more', async () => {
        await store.append('doc:a', evs(1, 10));
        await store.append('doc:b', evs(1, 10));
        await store.trim('doc:a', { maxEvents: 3, maxAgeMs: 1_000 }, 1_004 + 1_000);
        await store.trim('doc:b', { maxEvents: 8, maxAgeMs: 1_000 }, 1_004 + 1_000);
        expect(await seqsOf('doc:a')).toEqual([8, 9, 10]);
        expect(await seqsOf('doc:b')).toEqual([4, 5, 6, 7, 8, 9, 10]);
      });

      it('never leaves a hole: an old entry behind a younger one is kept until the younger one goes', async () => {
        await store.append('doc:a', [
          ev(1, { ts: 100 }),
          ev(2, { ts: 900 }),
          ev(3, { ts: 100 }),
          ev(4, { ts: 950 }),
        ]);
        expect(await store.trim('doc:', { maxEvents: 100, maxAgeMs: 500 }, 1_000)).toBe(1);
        expect(await seqsOf('doc:a')).toEqual([2, 3, 4]);
        expect(await store.trim('doc:', { maxEvents: 100, maxAgeMs: 500 }, 1_420)).toBe(2);
        expect(await seqsOf('doc:a')).toEqual([4]);
      });

      it('can remove every entry and still continue the sequence', async () => {
        await store.append('doc:a', evs(1, 5));
        expect(await store.trim('doc:', { maxEvents: 0, maxAgeMs: noAgeLimit }, 0)).toBe(5);
        expect(await store.read('doc:a', 0, 10)).toEqual({ entries: [], firstSeq: 6, lastSeq: 5 });
        expect(await store.lastSeq('doc:a')).toBe(5);
        expect(await store.append('doc:a', [ev(6)])).toEqual([{ seq: 6, duplicate: false }]);
        const page = await store.read('doc:a', 0, 10);
        expect(page.entries.map((e) => e.seq)).toEqual([6]);
        expect(page.firstSeq).toBe(6);
      });

      it('shows a reader behind the retained window that it missed events (firstSeq > afterSeq + 1)', async () => {
        await store.append('doc:a', evs(1, 20));
        await store.trim('doc:', { maxEvents: 5, maxAgeMs: noAgeLimit }, 0);
        const page = await store.read('doc:a', 3, 100);
        expect(page.firstSeq).toBe(16);
        expect(page.firstSeq).toBeGreaterThan(3 + 1);
        expect(page.entries.map((e) => e.seq)).toEqual([16, 17, 18, 19, 20]);
        const upToDate = await store.read('doc:a', 15, 100);
        expect(upToDate.firstSeq).toBeLessThanOrEqual(15 + 1);
      });

      it('only touches rooms whose name starts with the prefix, taken literally', async () => {
        const rooms = ['doc:a', 'doc:b', 'docs', 'user:1', 'system', 'systems:1', 'a%b', 'axb'];
        for (const room of rooms) await store.append(room, evs(1, 4));
        expect(await store.trim('doc:', { maxEvents: 1, maxAgeMs: noAgeLimit }, 0)).toBe(6);
        expect(await store.trim('a%', { maxEvents: 2, maxAgeMs: noAgeLimit }, 0)).toBe(2);
        const counts: Record<string, number> = {};
        for (const room of rooms) counts[room] = (await store.read(room, 0, 100)).entries.length;
        expect(counts).toEqual({
          'doc:a': 1,
          'doc:b': 1,
          docs: 4,
          'user:1': 4,
          system: 4,
          'systems:1': 4,
          'a%b': 2,
          axb: 4,
        });
        // One room by its name: not the rooms it is a prefix of.
        expect(await store.trim({ room: 'system' }, { maxEvents: 0, maxAgeMs: noAgeLimit }, 0)).toBe(4);
        expect(await store.read('system', 0, 10)).toEqual({ entries: [], firstSeq: 5, lastSeq: 4 });
        expect((await store.read('systems:1', 0, 10)).entries).toHaveLength(4);
        expect(await store.trim({ room: 'nowhere' }, { maxEvents: 0, maxAgeMs: noAgeLimit }, 0)).toBe(0);
      });

      it('leaves alone the rooms starting with an excepted prefix, taken literally', async () => {
        const rooms = [
          'a:1',
          'doc',
          'doc:a',
          'doc:b',
          'doc;',
          'docs:1',
          'system',
          'systemx:1',
          'u%:1',
          'ux:1',
          'z',
        ];
        for (const room of rooms) await store.append(room, evs(1, 3));
        const policy = { maxEvents: 1, maxAgeMs: noAgeLimit };
        expect(await store.trim('', policy, 0, ['doc:', { room: 'system' }, 'u%:'])).toBe(2 * 7);
        const counts: Record<string, number> = {};
        for (const room of rooms) counts[room] = (await store.read(room, 0, 100)).entries.length;
        expect(counts).toEqual({
          'a:1': 1,
          doc: 1,
          'doc:a': 3,
          'doc:b': 3,
          'doc;': 1,
          'docs:1': 1,
          system: 3,
          'systemx:1': 1,
          'u%:1': 3,
          'ux:1': 1,
          z: 1,
        });
        expect(await store.trim('doc:', policy, 0, ['doc:'])).toBe(0);
        expect(await store.trim('doc:', policy, 0, [])).toBe(4);
        expect(await store.trim({ room: 'system' }, policy, 0, [{ room: 'system' }])).toBe(0);
        expect(await store.trim({ room: 'system' }, policy, 0, ['sys'])).toBe(0);
        expect(await store.trim({ room: 'system' }, policy, 0, ['systems:'])).toBe(2);
      });

      it('trims many rooms in one call', async () => {
        for (let r = 0; r < 150; r++) await store.append(`user:${r}`, evs(1, 3));
        expect(await store.trim('user:', { maxEvents: 1, maxAgeMs: noAgeLimit }, 0)).toBe(300);
        for (let r = 0; r < 150; r++) {
          const page = await store.read(`user:${r}`, 0, 10);
          expect([page.firstSeq, page.lastSeq, page.entries.length]).toEqual([3, 3, 1]);
        }
      });
    });

    describe('trimBefore (one room)', () => {
      it('removes the entries before a seq of that room only, keeping lastSeq and the sequence going', async () => {
        for (const room of ['doc:a', 'doc:ab', 'doc:', 'user:1']) await store.append(room, evs(1, 6));
        expect(await store.trimBefore('doc:a', 6)).toBe(5);
        expect(await store.read('doc:a', 0, 100)).toMatchObject({ firstSeq: 6, lastSeq: 6 });
        expect(await seqsOf('doc:a')).toEqual([6]);
        expect(await store.lastSeq('doc:a')).toBe(6);
        // A reader from before is told it missed events; one at the kept entry reads it.
        expect((await store.read('doc:a', 2, 100)).firstSeq).toBeGreaterThan(2 + 1);
        expect(await seqsOf('doc:a', 5)).toEqual([6]);
        for (const room of ['doc:ab', 'doc:', 'user:1'])
          expect(await seqsOf(room)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await store.append('doc:a', [ev(7)])).toEqual([{ seq: 7, duplicate: false }]);
        expect(await seqsOf('doc:a')).toEqual([6, 7]);
      });

      it('removes nothing at or below the retained window, and at most every entry', async () => {
        await store.append('doc:a', evs(1, 4));
        expect(await store.trimBefore('doc:a', 1)).toBe(0);
        expect(await store.trimBefore('doc:a', 3)).toBe(2);
        expect(await store.trimBefore('doc:a', 2)).toBe(0);
        expect(await store.trimBefore('doc:a', 100)).toBe(2);
        expect(await store.read('doc:a', 0, 10)).toEqual({ entries: [], firstSeq: 5, lastSeq: 4 });
        expect(await store.trimBefore('doc:none', 5)).toBe(0);
        expect(await store.lastSeq('doc:none')).toBe(0);
      });

      it('forgets the dedup keys of the entries it removed', async () => {
        await store.append('doc:a', [ev(1, { dedupKey: 'k1' }), ev(2, { dedupKey: 'k2' })]);
        await store.trimBefore('doc:a', 2);
        expect(await store.append('doc:a', [ev(3, { dedupKey: 'k1' }), ev(4, { dedupKey: 'k2' })])).toEqual([
          { seq: 3, duplicate: false },
          { seq: 2, duplicate: true },
        ]);
      });
    });

    describe('data', () => {
      it('round-trips nested objects, arrays, unicode and numbers', async () => {
        const values: unknown[] = [
          {
            zones: [{ id: 'z1', bbox: [0.5, 1.25, 300, 400.75], label: null, ok: true, tags: [] }],
            v: { a: { b: {} } },
          },
          { text: 'héllo wörld — ☃ 你好 مرحبا 🚀👩‍👩‍👧 \u00e9 vs e\u0301', quote: '"\'\\\n\t' },
          { 'kéy 🔑': 'value', '': 'empty key' },
          [0, 1, -1, 0.1, -2.5e-7, 1e300, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 123456789.123],
          'just a string',
          42,
          1.2345,
          true,
          false,
          null,
          [],
          {},
        ];
        await store.append(
          'doc:a',
          values.map((data, i) => ({ type: 't', data, ts: i })),
        );
        const { entries } = await store.read('doc:a', 0, 100);
        expect(entries.map((e) => e.data)).toEqual(values);
      });

      it('stores data as JSON: undefined fields disappear, Dates become ISO strings', async () => {
        const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
        await store.append('doc:a', [{ type: 't', data: { when, gone: undefined, kept: 1 }, ts: 1 }]);
        const [entry] = (await store.read('doc:a', 0, 10)).entries;
        expect(entry.data).toStrictEqual({ when: when.toISOString(), kept: 1 });
      });

      it('round-trips undefined data as undefined', async () => {
        await store.append('doc:a', [{ type: 't', data: undefined, ts: 1 }]);
        const [entry] = (await store.read('doc:a', 0, 10)).entries;
        expect(entry.data).toBeUndefined();
      });

      it('rejects data that cannot be serialized, appending nothing from that call', async () => {
        const circular: Record<string, unknown> = { a: 1 };
        circular.self = circular;
        await store.append('doc:a', [ev(1)]);
        await expect(store.append('doc:a', [ev(2), { type: 't', data: circular, ts: 1 }])).rejects.toThrow(
          /JSON/,
        );
        await expect(store.append('doc:a', [{ type: 't', data: { n: 10n }, ts: 1 }])).rejects.toThrow(/JSON/);
        expect(await store.lastSeq('doc:a')).toBe(1);
        expect(await store.append('doc:a', [ev(3)])).toEqual([{ seq: 2, duplicate: false }]);
      });
    });

    describe('concurrency', () => {
      it('gives appends started together distinct consecutive seqs in call order', async () => {
        const calls: Promise<{ seq: number }[]>[] = [];
        for (let i = 0; i < 40; i++) {
          calls.push(
            store.append(
              'doc:a',
              i % 4 === 3
                ? [ev(i, { data: { i, part: 0 } }), ev(i, { data: { i, part: 1 } })]
                : [ev(i, { data: { i } })],
            ),
          );
        }
        const results = await Promise.all(calls);
        const seqs = results.flat().map((r) => r.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k + 1));
        const { entries } = await store.read('doc:a', 0, 1_000);
        expect(entries.map((e) => (e.data as { i: number }).i)).toEqual(
          results.flatMap((r, i) => r.map(() => i)),
        );
      });

      it('keeps concurrent appends to different rooms independent', async () => {
        const calls = Array.from({ length: 30 }, (_, i) => store.append(`doc:${i % 3}`, [ev(i)]));
        const results = await Promise.all(calls);
        results.forEach((r, i) => {
          expect(r).toEqual([{ seq: Math.floor(i / 3) + 1, duplicate: false }]);
        });
      });

      it('lets exactly the first of concurrent appends with the same key win', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.append('doc:a', [ev(i, { dedupKey: 'retry' })])),
        );
        expect(results.flat()).toEqual([
          { seq: 1, duplicate: false },
          ...Array.from({ length: 9 }, () => ({ seq: 1, duplicate: true })),
        ]);
        expect(await store.lastSeq('doc:a')).toBe(1);
      });
    });

    describe('lifecycle', () => {
      it('is ready while open, not after close; close is idempotent', async () => {
        expect(await store.ready()).toBe(true);
        await store.close();
        expect(await store.ready()).toBe(false);
        await store.close();
      });

      it('rejects calls after close', async () => {
        await store.close();
        await expect(store.append('doc:a', [ev(1)])).rejects.toThrow();
        await expect(store.read('doc:a', 0, 10)).rejects.toThrow();
        await expect(store.lastSeq('doc:a')).rejects.toThrow();
        await expect(store.trimBefore('doc:a', 1)).rejects.toThrow();
      });
    });
  });
}
