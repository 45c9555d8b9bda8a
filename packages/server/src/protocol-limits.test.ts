import { readFileSync } from 'node:fs';
import { DEFAULTS, type Delivery } from '@syncline/protocol';
import { describe, expect, it } from 'vitest';
import { MAX_DATA_DEPTH } from './core/commands.js';
import { DEFAULT_LIMITS, DEFAULT_RETENTION } from './core/hub.js';
import { MAX_ITEMS_PER_FRAME } from './core/outbound-queue.js';
import { DEFAULT_RATE_LIMITS } from './core/rate-limiter.js';

/**
 * PROTOCOL.md's limits, rate limits and retention are what a client implementer sizes a client by: these checks hold
 * the numbers of its tables (§14.4, §17.1, §18) to the server's defaults.
 */
const doc = readFileSync(new URL('../../protocol/PROTOCOL.md', import.meta.url), 'utf8');

/** The body rows of the first table after `heading`, as trimmed cells (backticks kept). */
function table(heading: string): string[][] {
  const start = doc.indexOf(heading);
  expect(start, heading).toBeGreaterThan(0);
  const from = doc.indexOf('\n|', start);
  const end = doc.indexOf('\n\n', from);
  return doc
    .slice(from + 1, end)
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, KiB: 1024, MiB: 1024 * 1024 };
const DAY = 86_400_000;

/** `65 536 bytes` → 65536, `10 s` → 10000 (ms), `256 KiB` → 262144, `7 days` → ms, `10 000` → 10000. */
function amount(text: string): number {
  if (text === 'none') return Number.POSITIVE_INFINITY;
  const m = /^([\d ]+)\s*(ms|s|KiB|MiB|days?)?\b/.exec(text);
  expect(m, text).not.toBeNull();
  const n = Number(m![1].replace(/ /g, ''));
  const unit = m![2];
  if (unit === 'day' || unit === 'days') return n * DAY;
  return unit ? n * UNITS[unit] : n;
}

describe('PROTOCOL.md', () => {
  it('§18 gives the server default of each limit', () => {
    const rows = new Map(table('## 18. Limits').map((r) => [r[0], r[1]]));
    const L = DEFAULT_LIMITS;
    const expected: Record<string, number | number[]> = {
      'Frame size, client → server (`maxPayload`)': L.maxPayload,
      'Connections per user': L.maxConnectionsPerUser,
      'Sessions kept per user (per node)': L.maxSessionsPerUser,
      'Connections per client address': 1000,
      'Handshake timeout': L.handshakeTimeoutMs,
      'Frames held before `welcome`': L.maxInbox,
      'Heartbeat interval (`heartbeatMs`)': L.heartbeatMs,
      'Heartbeat timeout (`heartbeatTimeoutMs`)': L.heartbeatTimeoutMs,
      'Session grace (`sessionGraceMs`)': L.sessionGraceMs,
      'Presence grace': L.presenceGraceMs,
      'De-duplication window': L.dedupWindow,
      'Published `data` nesting': MAX_DATA_DEPTH,
      'Ephemeral window': L.ephemeralWindowMs,
      'Batch window (busy server)': L.batchWindowMs,
    };
    for (const [limit, value] of Object.entries(expected)) {
      expect(rows.get(limit), limit).toBeDefined();
      expect(amount(rows.get(limit)!), limit).toBe(value);
    }
    expect(rows.get('Server batch')).toBe(`≤ ${MAX_ITEMS_PER_FRAME} items per frame`);
    const [soft, hard] = rows.get('Soft / hard send buffer')!.split(' / ');
    expect([amount(soft), amount(hard)]).toEqual([L.softBufferBytes, L.hardBufferBytes]);
    const [refusals, window] = rows.get('Abuse')!.split(' refusals / ');
    expect([Number(refusals), amount(window)]).toEqual([
      DEFAULT_RATE_LIMITS.abuseRefusals,
      DEFAULT_RATE_LIMITS.abuseWindowMs,
    ]);
    // The hub's defaults are the protocol's, announced in `welcome`.
    expect(L).toMatchObject(DEFAULTS);
  });

  it('§17.1 gives the default rate limits of each delivery class', () => {
    const rows = table('Defaults (sustained rate per second, and burst)');
    expect(rows.map((r) => r[0])).toEqual(['`critical`', '`normal`', '`ephemeral`']);
    for (const [cls, perConnection, perUser] of rows) {
      const delivery = cls.replace(/`/g, '') as Delivery;
      for (const [text, limit] of [
        [perConnection, DEFAULT_RATE_LIMITS.connection[delivery]],
        [perUser, DEFAULT_RATE_LIMITS.user[delivery]],
      ] as const) {
        expect(text, cls).toBe(`${limit.ratePerS}/s, burst ${limit.burst}`);
      }
    }
  });

  it('§14.4 gives the default retention of each room kind', () => {
    const rows = table('### 14.4 Retention');
    expect(rows.length).toBe(Object.keys(DEFAULT_RETENTION).length);
    for (const [kind, maxEvents, maxAge] of rows) {
      const policy = DEFAULT_RETENTION[kind === 'others' ? 'default' : kind.replace(/`/g, '')];
      expect(policy, kind).toBeDefined();
      expect([amount(maxEvents), amount(maxAge)], kind).toEqual([policy.maxEvents, policy.maxAgeMs]);
    }
  });
});
