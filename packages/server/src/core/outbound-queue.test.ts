import { type Codec, type Encoded, jsonCodec, msgpackCodec } from '@syncline/protocol';
import { describe, expect, it, vi } from 'vitest';
import { EphemeralEvent, OutMessage, SharedBatch } from './out-message.js';
import { MAX_ITEMS_PER_FRAME, OutboundQueue } from './outbound-queue.js';

const msg = (type: string, extra: Record<string, unknown> = {}) => new OutMessage({ type, ...extra });

/** The messages of a drained JSON frame, batches flattened. */
function decode(frame: Encoded, codec: Codec = jsonCodec): { type: string; [k: string]: unknown }[] {
  const m = codec.decode(frame) as { type: string; items?: { type: string }[] };
  return m.type === 'batch' ? (m.items as { type: string }[]) : [m];
}

const types = (frames: Encoded[]) => frames.flatMap((f) => decode(f)).map((m) => m.type);

const cursor = (room: string, from: string | undefined, x: number, type = 'cursor_update') =>
  new EphemeralEvent({ type, room, ts: 100 + x, data: { x }, ...(from === undefined ? {} : { from }) });

describe('OutboundQueue', () => {
  describe('ephemeral groups (clients that read them)', () => {
    it('sends each run of one room and type as one ephemeral message, in order, the rest as they are', () => {
      const q = new OutboundQueue();
      q.pushControl(msg('ack'));
      q.pushEphemeral('a', cursor('doc:1', 'u1', 1));
      q.pushEphemeral('b', cursor('doc:1', undefined, 2));
      q.pushEphemeral('c', cursor('doc:1', 'u"3', 3));
      q.pushEphemeral('d', cursor('doc:2', 'u4', 4)); // another room: a message of its own
      q.pushEphemeral('e', msg('ping')); // not a room event: as it is, and it ends the run
      q.pushEphemeral('f', cursor('doc:2', 'u5', 5));
      q.pushEphemeral('g', cursor('doc:2', 'u6', 6, 'app_event')); // another type
      q.pushEphemeral('h', cursor('doc:2', 'u7', 7, 'app_event'));
      const { frames } = q.drain(jsonCodec, false, true);
      expect(frames).toHaveLength(1);
      expect(decode(frames[0])).toEqual([
        { type: 'ack' },
        {
          type: 'ephemeral',
          room: 'doc:1',
          event: 'cursor_update',
          items: ['u1', 101, { x: 1 }, null, 102, { x: 2 }, 'u"3', 103, { x: 3 }],
        },
        { type: 'cursor_update', room: 'doc:2', ts: 104, data: { x: 4 }, from: 'u4' },
        { type: 'ping' },
        { type: 'cursor_update', room: 'doc:2', ts: 105, data: { x: 5 }, from: 'u5' },
        {
          type: 'ephemeral',
          room: 'doc:2',
          event: 'app_event',
          items: ['u6', 106, { x: 6 }, 'u7', 107, { x: 7 }],
        },
      ]);
    });

    it(`starts a new group past ${MAX_ITEMS_PER_FRAME} events`, () => {
      const q = new OutboundQueue();
      for (let i = 0; i < MAX_ITEMS_PER_FRAME + 2; i++) q.pushEphemeral(`k${i}`, cursor('doc:1', `u${i}`, i));
      const items = q.drain(jsonCodec, false, true).frames.flatMap((f) => decode(f));
      expect(items.map((m) => m.type)).toEqual(['ephemeral', 'ephemeral']);
      expect(items.map((m) => (m.items as unknown[]).length / 3)).toEqual([MAX_ITEMS_PER_FRAME, 2]);
    });

    it('sends events one by one without groups, to MessagePack clients, and a lone event', () => {
      for (const [codec, groups] of [
        [jsonCodec, false],
        [msgpackCodec, true],
      ] as const) {
        const q = new OutboundQueue();
        q.pushEphemeral('a', cursor('doc:1', 'u1', 1));
        q.pushEphemeral('b', cursor('doc:1', 'u2', 2));
        const frames = q.drain(codec, false, groups).frames;
        expect(frames.flatMap((f) => decode(f, codec)).map((m) => [m.type, m.from])).toEqual([
          ['cursor_update', 'u1'],
          ['cursor_update', 'u2'],
        ]);
      }
      const q = new OutboundQueue();
      q.pushEphemeral('a', cursor('doc:1', 'u1', 1));
      expect(decode(q.drain(jsonCodec, false, true).frames[0])).toEqual([
        { type: 'cursor_update', room: 'doc:1', ts: 101, data: { x: 1 }, from: 'u1' },
      ]);
    });
  });

  it('starts empty and is empty again after a drain', () => {
    const q = new OutboundQueue();
    expect(q.empty).toBe(true);
    q.pushControl(msg('ack'));
    expect(q.empty).toBe(false);
    q.drain(jsonCodec, false);
    expect(q.empty).toBe(true);
    expect(q.drain(jsonCodec, false)).toEqual({ frames: [], messages: 0, dropped: 0 });
  });

  it('sends control, then logged, then ephemeral, whatever the order they were queued in', () => {
    const q = new OutboundQueue();
    q.pushEphemeral('cursor', msg('cursor_update'));
    q.pushLogged(msg('zone_update', { seq: 1 }));
    q.pushControl(msg('ack'));
    q.pushLogged(msg('zone_edit', { seq: 2 }));
    q.pushControl(msg('nack'));
    const { frames, messages } = q.drain(jsonCodec, false);
    expect(frames).toHaveLength(1);
    expect(messages).toBe(5);
    expect(types(frames)).toEqual(['ack', 'nack', 'zone_update', 'zone_edit', 'cursor_update']);
  });

  it('sends a turn of several messages as one batch frame, and a lone message bare', () => {
    const q = new OutboundQueue();
    q.pushControl(msg('ack'));
    q.pushControl(msg('ack'));
    const [frame] = q.drain(jsonCodec, false).frames;
    expect((jsonCodec.decode(frame) as { type: string }).type).toBe('batch');

    q.pushControl(msg('pong'));
    const [single] = q.drain(jsonCodec, false).frames;
    expect(jsonCodec.decode(single)).toEqual({ type: 'pong' });
  });

  it('splits a turn into frames of about maxFrameBytes, a bigger message alone, in order', () => {
    const q = new OutboundQueue();
    for (const [i, size] of [10, 10, 500, 10, 10, 10].entries())
      q.pushControl(msg('response', { id: `${i}`, pad: 'x'.repeat(size) }));
    const { frames, messages } = q.drain(jsonCodec, false, false, 100);
    expect(messages).toBe(6);
    expect(frames.map((f) => decode(f).map((m) => m.id))).toEqual([['0', '1'], ['2'], ['3', '4'], ['5']]);
    // A room's shared batch too, when it is larger.
    const batch = new SharedBatch();
    batch.push(msg('zone_edit', { pad: 'x'.repeat(80) }));
    batch.push(msg('zone_edit', { pad: 'y'.repeat(80) }));
    q.pushLogged(batch);
    expect(q.drain(jsonCodec, false, false, 100).frames).toHaveLength(2);
    q.pushLogged(batch);
    expect(q.drain(jsonCodec, false).frames).toHaveLength(1);
  });

  it('coalesces ephemeral messages by key: the latest value wins and takes the latest position', () => {
    const q = new OutboundQueue();
    q.pushEphemeral('cursor:a', msg('cursor_update', { x: 1 }));
    q.pushEphemeral('cursor:b', msg('cursor_update', { x: 2 }));
    q.pushEphemeral('cursor:a', msg('cursor_update', { x: 3 }));
    const { frames, messages } = q.drain(jsonCodec, false);
    expect(messages).toBe(2);
    expect(frames.flatMap((f) => decode(f)).map((m) => m.x)).toEqual([2, 3]);
  });

  it('keeps a waiting ephemeral message when told not to replace it (an older value read from a store)', () => {
    const q = new OutboundQueue();
    q.pushEphemeral('progress:j', msg('processing_progress', { x: 2 }));
    q.pushEphemeral('progress:j', msg('processing_progress', { x: 1 }), false);
    q.pushEphemeral('progress:k', msg('processing_progress', { x: 5 }), false);
    const { frames } = q.drain(jsonCodec, false);
    expect(frames.flatMap((f) => decode(f)).map((m) => m.x)).toEqual([2, 5]);
  });

  it('drops the ephemeral lane under pressure and counts what it dropped', () => {
    const q = new OutboundQueue();
    q.pushControl(msg('ack'));
    q.pushLogged(msg('zone_update'));
    q.pushEphemeral('a', msg('cursor_update'));
    q.pushEphemeral('b', msg('cursor_update'));
    const { frames, messages, dropped } = q.drain(jsonCodec, true);
    expect(dropped).toBe(2);
    expect(messages).toBe(2);
    expect(types(frames)).toEqual(['ack', 'zone_update']);
  });

  it('a drain with only ephemeral messages under pressure sends nothing', () => {
    const q = new OutboundQueue();
    q.pushEphemeral('a', msg('cursor_update'));
    expect(q.drain(jsonCodec, true)).toEqual({ frames: [], messages: 0, dropped: 1 });
  });

  it('a shared batch alone is sent as the identical frame object to every connection', () => {
    const batch = new SharedBatch();
    batch.push(msg('zone_update', { seq: 1 }));
    batch.push(msg('zone_update', { seq: 2 }));
    const a = new OutboundQueue();
    const b = new OutboundQueue();
    a.pushLogged(batch);
    b.pushLogged(batch);
    const fa = a.drain(msgpackCodec, false);
    const fb = b.drain(msgpackCodec, false);
    expect(fa.frames).toHaveLength(1);
    expect(fa.messages).toBe(2);
    expect(fb.frames[0]).toBe(fa.frames[0]); // same Uint8Array: built once
    expect(decode(fa.frames[0], msgpackCodec).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('builds a shared batch frame once per codec however many connections send it', () => {
    const spy = vi.spyOn(jsonCodec, 'batch');
    try {
      const batch = new SharedBatch();
      batch.push(msg('zone_update', { seq: 1 }));
      batch.push(msg('zone_update', { seq: 2 }));
      const frames = [1, 2, 3].map(() => {
        const q = new OutboundQueue();
        q.pushLogged(batch);
        return q.drain(jsonCodec, false).frames[0];
      });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(new Set(frames).size).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('the fast path still applies when ephemeral messages are being dropped', () => {
    const batch = new SharedBatch();
    batch.push(msg('zone_update', { seq: 1 }));
    const q = new OutboundQueue();
    q.pushLogged(batch);
    q.pushEphemeral('a', msg('cursor_update'));
    const shared = batch.frame(msgpackCodec);
    const { frames, dropped } = q.drain(msgpackCodec, true);
    expect(frames[0]).toBe(shared);
    expect(dropped).toBe(1);
  });

  it('mixes a shared batch with this connection’s own messages when there are any', () => {
    const batch = new SharedBatch();
    batch.push(msg('zone_update', { seq: 1 }));
    const q = new OutboundQueue();
    q.pushControl(msg('ack'));
    q.pushLogged(batch);
    expect(types(q.drain(jsonCodec, false).frames)).toEqual(['ack', 'zone_update']);
  });

  it('queues the same shared batch once when pushed twice in a row', () => {
    const batch = new SharedBatch();
    batch.push(msg('zone_update', { seq: 1 }));
    const q = new OutboundQueue();
    q.pushLogged(batch);
    q.pushLogged(batch);
    expect(q.drain(jsonCodec, false).messages).toBe(1);
  });

  it('a shared batch sends the items it has when drained, including ones added after it was queued', () => {
    const batch = new SharedBatch();
    batch.push(msg('zone_update', { seq: 1 }));
    const q = new OutboundQueue();
    q.pushLogged(batch);
    batch.push(msg('zone_update', { seq: 2 }));
    const { frames } = q.drain(jsonCodec, false);
    expect(frames.flatMap((f) => decode(f)).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('expandBatch freezes a connection’s copy of a shared batch: later items are not sent to it', () => {
    const batch = new SharedBatch();
    batch.push(msg('zone_update', { seq: 1 }));
    const mine = new OutboundQueue();
    const other = new OutboundQueue();
    mine.pushLogged(batch);
    other.pushLogged(batch);
    mine.expandBatch(batch);
    batch.push(msg('zone_update', { seq: 2 }));
    mine.pushLogged(msg('zone_update', { seq: 3 }));
    const seqs = (q: OutboundQueue) =>
      q
        .drain(jsonCodec, false)
        .frames.flatMap((f) => decode(f))
        .map((m) => m.seq);
    expect(seqs(mine)).toEqual([1, 3]);
    expect(seqs(other)).toEqual([1, 2]);
  });

  it('expandBatch of a batch this connection did not queue changes nothing', () => {
    const q = new OutboundQueue();
    q.expandBatch(new SharedBatch());
    expect(q.empty).toBe(true);
    q.pushLogged(msg('zone_update', { seq: 1 }));
    q.expandBatch(new SharedBatch());
    expect(q.drain(jsonCodec, false).messages).toBe(1);
  });

  it(`splits a turn of more than ${MAX_ITEMS_PER_FRAME} messages into frames of at most that many`, () => {
    const q = new OutboundQueue();
    const n = MAX_ITEMS_PER_FRAME * 2 + 1;
    for (let i = 0; i < n; i++) q.pushControl(msg('ack', { id: String(i) }));
    const { frames, messages } = q.drain(jsonCodec, false);
    expect(messages).toBe(n);
    expect(frames).toHaveLength(3);
    const sizes = frames.map((f) => decode(f).length);
    expect(sizes).toEqual([MAX_ITEMS_PER_FRAME, MAX_ITEMS_PER_FRAME, 1]);
    expect(frames.flatMap((f) => decode(f)).map((m) => Number(m.id))).toEqual([...Array(n).keys()]);
  });

  it('splits an oversized shared batch instead of taking the fast path', () => {
    const batch = new SharedBatch();
    for (let i = 1; i <= MAX_ITEMS_PER_FRAME + 1; i++) batch.push(msg('zone_update', { seq: i }));
    const q = new OutboundQueue();
    q.pushLogged(batch);
    const { frames } = q.drain(jsonCodec, false);
    expect(frames.map((f) => decode(f).length)).toEqual([MAX_ITEMS_PER_FRAME, 1]);
  });

  it('encodes a message once per codec however many queues send it', () => {
    const spy = vi.spyOn(jsonCodec, 'encode');
    try {
      const shared = msg('zone_update', { seq: 1 });
      for (let i = 0; i < 3; i++) {
        const q = new OutboundQueue();
        q.pushLogged(shared);
        q.pushControl(msg('ack'));
        q.drain(jsonCodec, false);
      }
      const encodesOfShared = spy.mock.calls.filter(([m]) => (m as { type: string }).type === 'zone_update');
      expect(encodesOfShared).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });
});
