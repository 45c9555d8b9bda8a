import { type EventMessage, jsonCodec, msgpackCodec } from '@syncline/protocol';
import { describe, expect, it } from 'vitest';
import { LoggedEvent, OutMessage } from './out-message.js';

// Every shape an event's JSON takes (the event types' data schemas do not matter to the encoding).
const events = [
  {
    type: 'zone_edit',
    room: 'doc:a',
    seq: 7,
    ts: 1795870142167,
    data: { op: ['zones', 'z1'], content: null },
  },
  { type: 'app_event', room: 'r"\u2028é', seq: 1, ts: 0.5, from: 'u"1', data: 'text' },
  { type: 'app_event', room: 'r', seq: 2, ts: -0, data: [1, { a: null }] },
  { type: 'app_event', room: 'r', seq: 3, ts: 12 },
] as unknown as EventMessage[];

describe('LoggedEvent', () => {
  it('writes the JSON the codec writes for the event, from its data already serialized', () => {
    for (const e of events) {
      const json = e.data === undefined ? null : JSON.stringify(e.data);
      const out = new LoggedEvent(e, json, JSON.stringify(e.room)).encode(jsonCodec);
      expect(out).toBe(new OutMessage(e).encode(jsonCodec));
    }
  });

  it('encodes the message itself for MessagePack', () => {
    const e = events[0];
    const out = new LoggedEvent(e, JSON.stringify(e.data), JSON.stringify(e.room)).encode(msgpackCodec);
    expect(msgpackCodec.decode(out)).toEqual(e);
  });
});
