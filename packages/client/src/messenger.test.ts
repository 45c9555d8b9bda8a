import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultClock, defaultTimers } from './environment.js';
import type { SynclineError } from './errors.js';
import { createIdGenerator } from './ids.js';
import { Messenger, type MessengerOptions, type RestoredReply } from './messenger.js';
import { MemoryOutboxStorage } from './outbox-storage.js';

const T0 = 1_000_000;

function make(overrides: Partial<MessengerOptions> = {}) {
  const sent: { type: string; id: string; [k: string]: unknown }[] = [];
  const transport = {
    ready: false,
    maxBytes: Number.POSITIVE_INFINITY,
    send(message: object) {
      if (!this.ready) return 'not_open' as const;
      if (JSON.stringify(message).length > this.maxBytes) return 'too_large' as const;
      sent.push(message as (typeof sent)[number]);
      return 'sent' as const;
    },
  };
  const restored: RestoredReply[] = [];
  const messenger = new Messenger({
    transport,
    timers: defaultTimers,
    clock: defaultClock,
    newId: createIdGenerator('c'),
    storage: undefined,
    maxQueued: 3,
    ttlMs: 60_000,
    onRestoredReply: (r) => restored.push(r),
    onStorageError: (e) => {
      throw e;
    },
    ...overrides,
  });
  const ack = (id: string, data?: unknown) => messenger.handleReply({ type: 'ack', id, data });
  return { messenger, transport, sent, restored, ack };
}

/** Records how a promise settles, without unhandled rejections. */
function track<T>(p: Promise<T>) {
  const r: { value?: T; error?: SynclineError; settled: boolean } = { settled: false };
  p.then(
    (value) => Object.assign(r, { value, settled: true }),
    (error) => Object.assign(r, { error, settled: true }),
  );
  return r;
}

describe('Messenger', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0 }));
  afterEach(() => vi.useRealTimers());

  it('sends at once when open and resolves with the ack data', async () => {
    const { messenger, transport, sent, ack } = make();
    transport.ready = true;
    const p = track(messenger.call({ type: 'publish', room: 'doc:1' }));
    expect(sent).toEqual([{ type: 'publish', room: 'doc:1', id: 'c:1' }]);
    ack('c:1', { seq: 4 });
    await vi.advanceTimersByTimeAsync(0);
    expect(p.value).toEqual({ seq: 4 });
  });

  it('rejects with the nack code', async () => {
    const { messenger, transport } = make();
    transport.ready = true;
    const p = track(messenger.call({ type: 'publish' }));
    messenger.handleReply({ type: 'nack', id: 'c:1', code: 'forbidden', message: 'no' });
    await vi.advanceTimersByTimeAsync(0);
    expect(p.error).toMatchObject({ name: 'SynclineError', code: 'forbidden', message: 'no' });
  });

  it('queues while closed and flushes in order after in-flight messages are re-sent', async () => {
    const { messenger, transport, sent, ack } = make();
    transport.ready = true;
    messenger.call({ type: 'publish', n: 1 });
    messenger.call({ type: 'publish', n: 2 });
    ack('c:1');
    transport.ready = false; // the socket drops: c:2 is in flight, unanswered
    messenger.disconnected();
    messenger.call({ type: 'publish', n: 3 });
    messenger.call({ type: 'publish', n: 4 });
    expect(messenger.queued).toBe(2);
    transport.ready = true;
    sent.length = 0;
    messenger.resume();
    expect(sent.map((m) => [m.id, m.n])).toEqual([
      ['c:2', 2],
      ['c:3', 3],
      ['c:4', 4],
    ]);
    expect(messenger.queued).toBe(0);
  });

  it('runs `between` after the in-flight messages and before the outbox', () => {
    const { messenger, transport, sent } = make();
    transport.ready = true;
    messenger.call({ type: 'a' });
    transport.ready = false;
    messenger.call({ type: 'c' });
    transport.ready = true;
    sent.length = 0;
    messenger.resume(() => messenger.call({ type: 'b' }));
    expect(sent.map((m) => m.type)).toEqual(['a', 'b', 'c']);
  });

  it('rejects with outbox_full past its bound', async () => {
    const { messenger } = make();
    const ps = [1, 2, 3, 4].map((n) => track(messenger.call({ type: 'publish', n })));
    await vi.advanceTimersByTimeAsync(0);
    expect(ps[3].error?.code).toBe('outbox_full');
    expect(ps.slice(0, 3).every((p) => !p.settled)).toBe(true);
    messenger.close();
  });

  it('rejects with expired when a queued message outlives its TTL', async () => {
    const { messenger } = make();
    const short = track(messenger.call({ type: 'publish' }, { ttlMs: 1000 }));
    const long = track(messenger.call({ type: 'publish' }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(short.error?.code).toBe('expired');
    expect(long.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(long.error?.code).toBe('expired');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with timeout when no reply comes in timeoutMs', async () => {
    const { messenger, transport, ack } = make();
    transport.ready = true;
    const p = track(messenger.call({ type: 'request', method: 'm' }, { timeoutMs: 5000 }));
    await vi.advanceTimersByTimeAsync(4999);
    expect(p.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.error?.code).toBe('timeout');
    expect(ack('c:1')).toBe(false); // a late reply is ignored
  });

  it('re-sends after retryAfterMs on rate_limited, with the same id (the server keeps no reply for it)', async () => {
    const { messenger, transport, sent, ack } = make();
    transport.ready = true;
    const p = track(messenger.call({ type: 'publish', n: 1 }));
    messenger.handleReply({
      type: 'nack',
      id: 'c:1',
      code: 'rate_limited',
      message: 'slow down',
      retryAfterMs: 2000,
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((m) => [m.id, m.n])).toEqual([
      ['c:1', 1],
      ['c:1', 1],
    ]);
    ack('c:1', { seq: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(p.value).toEqual({ seq: 1 });
  });

  it('fails a rate_limited message whose retry would come after its TTL', async () => {
    const { messenger, transport } = make();
    transport.ready = true;
    const p = track(messenger.call({ type: 'publish' }, { ttlMs: 1000 }));
    messenger.handleReply({
      type: 'nack',
      id: 'c:1',
      code: 'rate_limited',
      message: 'later',
      retryAfterMs: 5000,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(p.error).toMatchObject({ code: 'rate_limited', retryAfterMs: 5000 });
  });

  it('re-sends after retryAfterMs on unavailable (a failed log write), with the same id', async () => {
    const { messenger, transport, sent, ack } = make();
    transport.ready = true;
    const p = track(messenger.call({ type: 'publish', n: 1 }));
    messenger.handleReply({
      type: 'nack',
      id: 'c:1',
      code: 'unavailable',
      message: 'the event could not be stored; retry',
      retryAfterMs: 1000,
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(p.settled).toBe(false);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((m) => [m.id, m.n])).toEqual([
      ['c:1', 1],
      ['c:1', 1],
    ]);
    ack('c:1', { seq: 7 });
    await vi.advanceTimersByTimeAsync(0);
    expect(p.value).toEqual({ seq: 7 });
  });

  it('fails an unavailable message whose retry would come after its TTL, or that has no retryAfterMs', async () => {
    const { messenger, transport } = make();
    transport.ready = true;
    const late = track(messenger.call({ type: 'publish' }, { ttlMs: 500 }));
    const bare = track(messenger.call({ type: 'publish' }));
    messenger.handleReply({ type: 'nack', id: 'c:1', code: 'unavailable', message: '', retryAfterMs: 1000 });
    messenger.handleReply({ type: 'nack', id: 'c:2', code: 'unavailable', message: '' });
    await vi.advanceTimersByTimeAsync(0);
    expect(late.error).toMatchObject({ code: 'unavailable', retryAfterMs: 1000 });
    expect(bare.error?.code).toBe('unavailable');
  });

  it('caps timeoutMs and retryAfterMs at the longest timer delay instead of firing at once', async () => {
    const { messenger, transport, sent } = make({ ttlMs: 2 ** 40 });
    transport.ready = true;
    const forever = track(messenger.call({ type: 'request' }, { timeoutMs: Number.POSITIVE_INFINITY }));
    const long = track(messenger.call({ type: 'request' }, { timeoutMs: 2 ** 32 }));
    const retried = track(messenger.call({ type: 'publish' }));
    messenger.handleReply({
      type: 'nack',
      id: 'c:3',
      code: 'rate_limited',
      message: '',
      retryAfterMs: 2 ** 32,
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect([forever.settled, long.settled, retried.settled]).toEqual([false, false, false]);
    expect(sent).toHaveLength(3); // not re-sent yet
    messenger.close();
  });

  it('rejects with too_large what the socket would refuse', async () => {
    const { messenger, transport } = make();
    transport.ready = true;
    transport.maxBytes = 50;
    const p = track(messenger.call({ type: 'publish', data: 'x'.repeat(100) }));
    await vi.advanceTimersByTimeAsync(0);
    expect(p.error?.code).toBe('too_large');
    expect(p.error?.message).toBe('too large to send');
    // With the server's limit known, the message says it (in KB).
    Object.assign(transport, { maxPayload: 65_536 });
    const q = track(messenger.call({ type: 'publish', data: 'x'.repeat(100) }));
    await vi.advanceTimersByTimeAsync(0);
    expect(q.error?.message).toBe('too large to send: the server takes at most 64 KB at once');
    Object.assign(transport, { maxPayload: 512 });
    const r = track(messenger.call({ type: 'publish', data: 'x'.repeat(100) }));
    await vi.advanceTimersByTimeAsync(0);
    expect(r.error?.message).toBe('too large to send: the server takes at most 512 bytes at once');
  });

  it('resolves non-replayable messages with undefined when the socket drops, and never queues them', async () => {
    const { messenger, transport, sent } = make();
    transport.ready = true;
    const inflight = track(messenger.call({ type: 'join_room' }, { replay: false }));
    transport.ready = false;
    messenger.disconnected();
    const offline = track(messenger.call({ type: 'auth' }, { replay: false }));
    await vi.advanceTimersByTimeAsync(0);
    expect(inflight).toMatchObject({ settled: true, value: undefined });
    expect(offline).toMatchObject({ settled: true, value: undefined });
    transport.ready = true;
    sent.length = 0;
    messenger.resume();
    expect(sent).toEqual([]);
  });

  it('persists what enters the outbox and deletes it once replied', async () => {
    const storage = new MemoryOutboxStorage();
    const { messenger, transport, ack } = make({ storage });
    transport.ready = true;
    messenger.call({ type: 'publish', direct: true }); // never queued: not persisted
    transport.ready = false;
    messenger.call({ type: 'publish', n: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect((await storage.load()).map((s) => s.id)).toEqual(['c:2']);
    transport.ready = true;
    messenger.resume();
    ack('c:2');
    await vi.advanceTimersByTimeAsync(0);
    expect(await storage.load()).toEqual([]);
  });

  it('restores persisted messages before newer ones and reports their replies as events', async () => {
    const { messenger, transport, sent, restored, ack } = make();
    messenger.call({ type: 'publish', n: 'new' });
    messenger.restore([
      { id: 'old:1', message: { type: 'publish', id: 'old:1', n: 'old' }, deadline: T0 + 10_000 },
      { id: 'old:2', message: { type: 'publish', id: 'old:2', n: 'stale' }, deadline: T0 - 1 },
    ]);
    expect(restored).toMatchObject([{ message: { id: 'old:2' }, error: { code: 'expired' } }]);
    transport.ready = true;
    messenger.resume();
    expect(sent.map((m) => m.id)).toEqual(['old:1', 'c:1']);
    ack('old:1', { seq: 9 });
    expect(restored[1]).toEqual({ message: { type: 'publish', id: 'old:1', n: 'old' }, data: { seq: 9 } });
  });

  it('close() rejects everything with closed and clears its timers', async () => {
    const { messenger, transport } = make();
    transport.ready = true;
    const a = track(messenger.call({ type: 'request' }, { timeoutMs: 5000 }));
    messenger.handleReply({ type: 'nack', id: 'c:1', code: 'rate_limited', message: '', retryAfterMs: 10 });
    transport.ready = false;
    const b = track(messenger.call({ type: 'publish' }));
    messenger.close();
    await vi.advanceTimersByTimeAsync(0);
    expect([a.error?.code, b.error?.code]).toEqual(['closed', 'closed']);
    expect(vi.getTimerCount()).toBe(0);
    const c = track(messenger.call({ type: 'publish' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(c.error?.code).toBe('closed');
  });
});
