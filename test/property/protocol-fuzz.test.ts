import { CloseCode, ErrorCode } from '@syncline/protocol';
import type { Logger } from '@syncline/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Cleanup, signToken, startServer } from '../integration/helpers.js';

/**
 * Bad input against a real server: random sequences of client messages, from well-formed to nonsense (unknown
 * types, fields of the wrong type, ids that break the id rules, bad rooms, random ops, junk frames, batches of all
 * of it). Whatever comes, the server must answer every message that has a string id exactly once, under that id,
 * with a documented code; never answer `internal` or log an error (both mean an exception the code did not expect);
 * close a socket only with a documented close code; and keep serving others. `FUZZ_PROTOCOL_RUNS` and
 * `FUZZ_PROTOCOL_SEED` run it longer, or again, outside CI (`npm run fuzz:protocol`).
 */
const RUNS = Number(process.env.FUZZ_PROTOCOL_RUNS ?? 200);
const SEED = Number(process.env.FUZZ_PROTOCOL_SEED ?? 20261129);
/** How long a reply may take: a hang is a failure, not a slow test. */
const REPLY_MS = 5000;

const ERROR_CODES = new Set<string>(Object.values(ErrorCode));
const CLOSE_CODES = new Set<number>([...Object.values(CloseCode).map((c) => c.code), 1000, 1001, 1009]);
/** Message types whose `id` the protocol ignores: no reply comes under it (PROTOCOL 10.1). */
const NO_REPLY_TYPES = new Set(['ping', 'pong', 'hello', 'batch']);

type IdKind = 'none' | 'good' | 'long' | 'empty' | 'nul' | 'surrogate' | 'number';
/** A message before its id is given (ids are made unique when sent, so each reply can be told apart). */
type Draft = { fields: Record<string, unknown>; idKind: IdKind };
type Frame =
  | { kind: 'message'; draft: Draft }
  | { kind: 'batch'; items: Draft[]; raw?: unknown }
  | { kind: 'junk'; text: string };

const junk = fc.jsonValue({ maxDepth: 3 });
const room = fc.oneof(
  fc.constantFrom(
    'doc:fz1',
    'doc:fz2',
    'chat:fz',
    'system',
    'doc:',
    'nokind',
    'doc:a\u0000',
    'doc:\uD800',
    'x'.repeat(300),
  ),
  junk,
);
const documentId = fc.oneof(fc.constantFrom('fz1', 'fz2', '', 'a/b', '\uD800', 'x'.repeat(200)), junk);
const zoneId = fc.oneof(fc.constantFrom('z1', 'z2', '__proto__', ''), junk);
const zone = fc.record(
  {
    id: zoneId,
    page: fc.oneof(fc.nat(5), junk),
    bbox: fc.oneof(fc.record({ x: fc.double(), y: fc.double(), w: fc.double(), h: fc.double() }), junk),
    type: fc.oneof(fc.constantFrom('heading', 'paragraph', 'table', 'nope'), junk),
    label: fc.oneof(fc.string(), junk),
    confidence: fc.oneof(fc.double(), junk),
    text: fc.oneof(fc.string({ unit: 'binary' }), junk),
  },
  { requiredKeys: [] },
);
/** json1 ops on the zone document, sane and not. */
const op = fc.oneof(
  fc.tuple(fc.constant('zones'), zoneId, fc.record({ i: zone })),
  fc.tuple(fc.constant('zones'), zoneId, fc.record({ r: fc.constant(true) })),
  fc.tuple(
    fc.constant('zones'),
    zoneId,
    fc.constant('text'),
    fc.record({
      es: fc.array(
        fc.oneof(fc.nat(20), fc.string(), fc.record({ d: fc.oneof(fc.nat(5), fc.string()) }), junk),
        { maxLength: 4 },
      ),
    }),
  ),
  fc.tuple(
    fc.constant('zones'),
    zoneId,
    fc.constantFrom('label', 'type', 'confidence', 'bbox', 'nope'),
    fc.record({ r: junk, i: junk }, { requiredKeys: [] }),
  ),
  fc.tuple(fc.constant('meta'), fc.string(), fc.record({ i: junk })),
  fc.constant(null),
  junk,
);
const methodData = fc.oneof(
  fc.record({
    method: fc.constant('doc.open'),
    data: fc.record(
      {
        documentId,
        since: fc.oneof(fc.integer({ min: -2, max: 5 }), junk),
        reason: fc.oneof(fc.constantFrom('checksum', 'gap', 'resume'), junk),
        opIds: fc.oneof(fc.array(fc.string()), junk),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    method: fc.constant('doc.submit'),
    data: fc.record(
      {
        documentId,
        op,
        v: fc.oneof(fc.integer({ min: -1, max: 6 }), junk),
        opId: fc.oneof(fc.string({ maxLength: 140 }), junk),
        made: fc.oneof(fc.integer({ min: -1, max: 6 }), junk),
      },
      { requiredKeys: ['documentId', 'op', 'v', 'opId'] },
    ),
  }),
  fc.record({
    method: fc.constant('doc.history'),
    data: fc.record(
      {
        documentId,
        from: fc.oneof(fc.integer({ min: -1, max: 9 }), junk),
        limit: fc.oneof(fc.integer({ min: -1, max: 2000 }), junk),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    method: fc.constant('doc.users'),
    data: fc.record(
      { documentId, userIds: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), junk) },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    method: fc.constantFrom('doc.lock', 'doc.unlock'),
    data: fc.record(
      { documentId, zoneId, renew: fc.oneof(fc.boolean(), junk), force: fc.oneof(fc.boolean(), junk) },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    method: fc.constantFrom('job.get', 'job.cancel', 'job.retry'),
    data: fc.record(
      {
        documentId,
        jobId: fc.oneof(fc.string(), junk),
        kind: fc.oneof(fc.constantFrom('processing', 'export'), junk),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    method: fc.constant('export.start'),
    data: fc.record(
      { documentId, format: fc.oneof(fc.constantFrom('markdown', 'rag', 'json', 'pdf'), junk) },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ method: fc.constant('room.members'), data: fc.record({ room }, { requiredKeys: [] }) }),
  fc.record({
    method: fc.constant('presence.status'),
    data: fc.record({ status: fc.oneof(fc.constantFrom('idle', 'active'), junk) }, { requiredKeys: [] }),
  }),
  fc.record({ method: fc.oneof(fc.string(), junk), data: junk }, { requiredKeys: [] }),
);
const eventName = fc.oneof(
  fc.constantFrom(
    'app_event',
    'cursor_update',
    'zone_edit',
    'doc_op',
    'processing_started',
    'user_join',
    'system_status',
    'nope',
  ),
  junk,
);
const fields: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('join_room', 'leave_room', 'subscribe', 'unsubscribe'),
      room,
      since: fc.oneof(fc.integer({ min: -1, max: 10 }), junk),
      types: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), junk),
    },
    { requiredKeys: ['type', 'room'] },
  ),
  fc.record(
    {
      type: fc.constant('publish'),
      room,
      event: eventName,
      data: fc.oneof(
        fc.record({ name: fc.string() }),
        fc.record({ page: fc.double(), x: fc.double(), y: fc.double() }),
        junk,
      ),
      echo: fc.oneof(fc.boolean(), junk),
    },
    { requiredKeys: ['type', 'room', 'event'] },
  ),
  methodData.map((m) => ({ type: 'request', ...m })),
  fc.record({ type: fc.constant('auth'), token: fc.oneof(fc.string(), junk) }, { requiredKeys: ['type'] }),
  fc.record(
    {
      type: fc.constantFrom('ping', 'pong', 'hello'),
      ts: fc.oneof(fc.double(), junk),
      v: fc.oneof(fc.constant(1), junk),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: fc.oneof(fc.string(), junk) }),
  fc.dictionary(fc.string(), junk, { maxKeys: 4 }),
);
const idKind = fc.constantFrom<IdKind>(
  'good',
  'good',
  'good',
  'none',
  'long',
  'empty',
  'nul',
  'surrogate',
  'number',
);
const draft = fc.record({ fields, idKind });
const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 6, arbitrary: draft.map((d) => ({ kind: 'message' as const, draft: d })) },
  {
    weight: 2,
    arbitrary: fc
      .array(draft, { minLength: 0, maxLength: 5 })
      .map((items) => ({ kind: 'batch' as const, items })),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(fc.string(), fc.constantFrom('{', '[1,', '{"type":', '\u0000', 'null', '[]', '"batch"'))
      .map((text) => ({ kind: 'junk' as const, text })),
  },
);

let counter = 0;
function idOf(kind: IdKind): unknown {
  const n = ++counter;
  switch (kind) {
    case 'none':
      return undefined;
    case 'good':
      return `f${n}`;
    case 'long':
      return `${'L'.repeat(65)}${n}`;
    case 'empty':
      return '';
    case 'nul':
      return `a\u0000${n}`;
    case 'surrogate':
      return `b${n}\uD800`;
    case 'number':
      return n;
  }
}

/**
 * The message to send, and the id a reply must come under (`expect`), or may (`allow`: an id the protocol ignores,
 * which the refusal of a malformed ping still names).
 */
function build(
  d: Draft,
  inBatch: boolean,
): { message: Record<string, unknown>; expect?: string; allow?: string } {
  const id = idOf(d.idKind);
  const message = id === undefined ? { ...d.fields } : { ...d.fields, id };
  const type = d.fields.type;
  // A hello after the handshake, and a ping or pong, take no id; a batch's own id is ignored. Inside a batch, a
  // hello or a batch is refused under its id.
  const ignored =
    typeof type === 'string' &&
    NO_REPLY_TYPES.has(type) &&
    !(inBatch && (type === 'hello' || type === 'batch'));
  // `''` is answered too (refused for its id), but several are indistinguishable: counted as one expectation each.
  if (typeof id !== 'string') return { message };
  return ignored ? { message, allow: id } : { message, expect: id };
}

type Reply = { type: string; id?: string; code?: string; message?: string };

/** One connection, hello'd, that records every message and how it closed. */
async function connect(url: string, user: string) {
  const ws = new WebSocket(url);
  const received: Reply[] = [];
  let closed: { code: number; reason: string } | null = null;
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Reply & { items?: Reply[] };
    // The server sends what it queued in one turn as one `batch` frame.
    if (m.type === 'batch') received.push(...(m.items ?? []));
    else received.push(m);
  });
  ws.on('close', (code, reason) => {
    closed = { code, reason: String(reason) };
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'hello', v: 1, token: await signToken(user) }));
  await waitUntil(() => received.some((m) => m.type === 'welcome'), 'welcome');
  return { ws, received, closed: () => closed };
}

async function waitUntil(cond: () => boolean, what: string, ms = REPLY_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('bad input against a real server', () => {
  const cleanup = new Cleanup();
  const logged: string[] = [];
  let url = '';

  beforeAll(async () => {
    const record =
      (level: string) =>
      (...args: unknown[]) =>
        logged.push(
          `${level}: ${args.map((a) => (a instanceof Error ? a.stack : JSON.stringify(a))).join(' ')}`,
        );
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: record('error') };
    ({ url } = await startServer(cleanup, { logger }));
  });
  afterAll(() => cleanup.run());

  it(
    `answers every message with an id once, with a documented code, and never fails inside (${RUNS} runs)`,
    async () => {
      let user = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 25 }), async (frames) => {
          const conn = await connect(url, `fuzz${++user}`);
          try {
            const expected = new Map<string, number>();
            // Ids are unique but for `''`, which several messages may carry: counted per id.
            const allowed = new Map<string, number>();
            const want = (b: { expect?: string; allow?: string }) => {
              if (b.expect !== undefined) expected.set(b.expect, (expected.get(b.expect) ?? 0) + 1);
              if (b.allow !== undefined) allowed.set(b.allow, (allowed.get(b.allow) ?? 0) + 1);
            };
            for (const f of frames) {
              if (f.kind === 'junk') conn.ws.send(f.text);
              else if (f.kind === 'message') {
                const built = build(f.draft, false);
                want(built);
                conn.ws.send(JSON.stringify(built.message));
              } else {
                const built = f.items.map((d) => build(d, true));
                // A batch of 0 items is refused whole, and none of its items is answered.
                if (built.length > 0) for (const b of built) want(b);
                conn.ws.send(JSON.stringify({ type: 'batch', items: built.map((b) => b.message) }));
              }
            }
            // A last message of its own: once it is answered, so is everything before that runs at once.
            const last = `last${++counter}`;
            conn.ws.send(
              JSON.stringify({
                type: 'request',
                id: last,
                method: 'room.members',
                data: { room: 'doc:fz1' },
              }),
            );
            const count = (id: string) => conn.received.filter((m) => m.id === id).length;
            await waitUntil(
              () =>
                conn.closed() !== null ||
                (count(last) > 0 && [...expected].every(([id, n]) => count(id) >= n)),
              `reply to every id (missing: ${JSON.stringify([...expected].filter(([id, n]) => count(id) < n).map(([id]) => id))})`,
            );
            const closed = conn.closed();
            if (closed !== null) {
              expect(CLOSE_CODES.has(closed.code), `close ${closed.code} ${closed.reason}`).toBe(true);
            } else {
              for (const id of new Set([...expected.keys(), ...allowed.keys()])) {
                const must = expected.get(id) ?? 0;
                const replies = count(id);
                expect(replies, `replies to ${JSON.stringify(id)}`).toBeGreaterThanOrEqual(must);
                expect(replies, `replies to ${JSON.stringify(id)}`).toBeLessThanOrEqual(
                  must + (allowed.get(id) ?? 0),
                );
              }
            }
            for (const m of conn.received) {
              if (m.type === 'nack' || m.type === 'error') {
                expect(ERROR_CODES.has(m.code ?? ''), JSON.stringify(m)).toBe(true);
                expect(m.code, JSON.stringify(m)).not.toBe(ErrorCode.Internal);
                expect(m.message, JSON.stringify(m)).toBeTruthy();
              }
              if (
                m.id !== undefined &&
                m.id !== last &&
                (m.type === 'ack' || m.type === 'nack' || m.type === 'response')
              )
                expect(
                  expected.has(m.id) || allowed.has(m.id),
                  `a reply to ${JSON.stringify(m.id)}, never sent`,
                ).toBe(true);
            }
            expect(logged).toEqual([]);
          } finally {
            conn.ws.terminate();
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      // And the server still serves a well-behaved client.
      const after = await connect(url, 'after');
      after.ws.send(JSON.stringify({ type: 'join_room', id: 'j', room: 'doc:fz1' }));
      after.ws.send(
        JSON.stringify({
          type: 'publish',
          id: 'p',
          room: 'doc:fz1',
          event: 'app_event',
          data: { name: 'ok' },
        }),
      );
      await waitUntil(() => after.received.some((m) => m.id === 'p'), 'ack');
      expect(after.received.find((m) => m.id === 'p')).toMatchObject({ type: 'ack' });
      after.ws.terminate();
    },
    Math.max(120_000, RUNS * 200),
  );
});
