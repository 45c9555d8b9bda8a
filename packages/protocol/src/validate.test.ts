import { describe, expect, it } from 'vitest';
import { ErrorCode } from './codes.js';
import { isStorableId } from './ids.js';
import { docRoom, isValidRoom } from './rooms.js';
import { parseClientMessages, parseEventData, parseHello } from './validate.js';

describe('parseHello', () => {
  it('accepts a hello with resume and rooms', () => {
    const r = parseHello({
      type: 'hello',
      v: 1,
      token: 't',
      session: { id: 's', key: 'k' },
      rooms: [{ room: 'doc:1', since: 3, mode: 'join', types: ['zone_edit'] }],
    });
    expect(r.ok).toBe(true);
  });

  it.each([
    [[1, 2], ErrorCode.Malformed],
    ['hello', ErrorCode.Malformed],
    [{ v: 1 }, ErrorCode.Invalid],
    [{ type: 'nope' }, ErrorCode.UnknownType],
    [{ type: 'publish', id: 'x', room: 'doc:1', event: 'app_event', data: {} }, ErrorCode.HelloRequired],
    [{ type: 'hello', v: 1 }, ErrorCode.Invalid],
    [{ type: 'hello', v: 1, token: 't', rooms: [{ room: 'Bad Room' }] }, ErrorCode.Invalid],
  ])('refuses %j with %s', (value, code) => {
    const r = parseHello(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
  });

  it('names the failing field by its whole path, a first item (index 0) too', () => {
    const rooms = [{ room: 'doc:ok' }, { room: 'Bad Room' }];
    for (const [i, list] of [rooms.slice(1), rooms].entries()) {
      const r = parseHello({ type: 'hello', v: 1, token: 't', rooms: list });
      expect(r.ok ? '' : r.message).toBe(`rooms.${i}.room: invalid room name`);
    }
  });
});

describe('parseClientMessages', () => {
  it('accepts every command', () => {
    const msgs = [
      { type: 'auth', id: 'a', token: 't' },
      { type: 'join_room', id: 'j', documentId: 'd1' },
      { type: 'leave_room', id: 'l', room: 'doc:d1' },
      { type: 'subscribe', id: 's', room: 'user:u1', since: 0, types: ['app_event'] },
      { type: 'unsubscribe', id: 'u', room: 'system' },
      { type: 'publish', id: 'p', room: 'doc:d1', event: 'app_event', data: { name: 'n' }, echo: false },
      { type: 'publish', room: 'doc:d1', event: 'cursor_update', data: { x: 0.1, y: 0.2, page: 0 } },
      { type: 'request', id: 'r', method: 'doc.open', data: { documentId: 'd1' } },
      { type: 'ping', ts: 1 },
      { type: 'pong' },
    ];
    for (const m of msgs) expect(parseClientMessages(m), JSON.stringify(m)).toEqual([{ ok: true, value: m }]);
  });

  it('names the failing field and keeps the id for the nack', () => {
    const [r] = parseClientMessages({ type: 'subscribe', id: 'x1', room: 'doc:1', since: -1 });
    expect(r).toMatchObject({ ok: false, code: ErrorCode.Invalid, id: 'x1' });
    if (!r.ok) expect(r.message).toMatch(/^since: /);
  });

  it('refuses a message id with U+0000 (it is stored, and PostgreSQL text cannot hold it)', () => {
    const [r] = parseClientMessages({ type: 'publish', id: 'a\u0000', room: 'doc:1', event: 'app_event' });
    expect(r).toMatchObject({ ok: false, code: ErrorCode.Invalid });
    if (!r.ok) expect(r.message).toMatch(/^id: a message id must not contain U\+0000/);
  });

  it('refuses a message id with a lone surrogate (PostgreSQL and SQLite read U+FFFD back, memory not)', () => {
    for (const id of ['a\uD800', '\uDC00b', 'a\uDC00\uD800b', `${'x'.repeat(63)}\uD83D`]) {
      const [r] = parseClientMessages({ type: 'publish', id, room: 'doc:1', event: 'app_event' });
      expect(r, JSON.stringify(id)).toMatchObject({ ok: false, code: ErrorCode.Invalid });
      if (!r.ok) expect(r.message).toBe('id: a message id must not contain a lone surrogate');
    }
    // A whole character outside the BMP (a surrogate pair) is text like any other.
    const [ok] = parseClientMessages({
      type: 'publish',
      id: 'a\uD83D\uDE00',
      room: 'doc:1',
      event: 'app_event',
      data: { name: 'n' },
    });
    expect(ok.ok).toBe(true);
  });

  it('answers a message refused for its id under that id, so its sender is not left waiting', () => {
    for (const id of ['x'.repeat(65), 'y'.repeat(5000), '', 'a\u0000', 'a\uD800']) {
      const [r] = parseClientMessages({ type: 'publish', id, room: 'doc:1', event: 'app_event' });
      expect(r, JSON.stringify(id).slice(0, 20)).toMatchObject({ ok: false, code: ErrorCode.Invalid, id });
      if (!r.ok) expect(r.message).toMatch(/^id: /);
    }
    // The same inside a batch, and before the handshake.
    const [item] = parseClientMessages({
      type: 'batch',
      items: [{ type: 'join_room', id: 'p'.repeat(70), room: 'doc:1' }],
    });
    expect(item).toMatchObject({ ok: false, id: 'p'.repeat(70) });
    expect(parseHello({ type: 'hello', id: 'h'.repeat(80), v: 2 })).toMatchObject({ ok: false });
    expect(parseHello({ type: 'subscribe', id: 'h'.repeat(80) })).toMatchObject({
      ok: false,
      id: 'h'.repeat(80),
    });
  });

  it('refuses a room name or document id with a lone surrogate as a bad room', () => {
    expect(isValidRoom('doc:a\uD800')).toBe(false);
    expect(isValidRoom(docRoom('\uDC00'))).toBe(false);
    const [r] = parseClientMessages({ type: 'join_room', id: 'j', room: 'doc:a\uD800' });
    expect(r).toMatchObject({ ok: false, code: ErrorCode.Invalid, id: 'j' });
  });

  it('takes as a storable id neither U+0000 nor a lone surrogate, and a surrogate pair', () => {
    expect(isStorableId('auth0|123')).toBe(true);
    expect(isStorableId('a\uD83D\uDE00')).toBe(true);
    for (const id of ['a\u0000', 'a\uD800', '\uDFFF', '\uDE00\uD83D'])
      expect(isStorableId(id), JSON.stringify(id)).toBe(false);
  });

  it('requires a room or documentId on room commands', () => {
    const [r] = parseClientMessages({ type: 'join_room', id: 'j' });
    expect(r).toMatchObject({ ok: false, code: ErrorCode.Invalid });
  });

  it('refuses a second hello and unknown types', () => {
    expect(parseClientMessages({ type: 'hello', v: 1, token: 't' })[0]).toMatchObject({
      code: ErrorCode.AlreadyAuthenticated,
    });
    expect(parseClientMessages({ type: 'frobnicate', id: 'f' })[0]).toMatchObject({
      code: ErrorCode.UnknownType,
      id: 'f',
    });
  });

  it('checks batch items one by one and refuses nested batches and hellos', () => {
    const out = parseClientMessages({
      type: 'batch',
      items: [
        { type: 'ping' },
        { type: 'nope', id: 'n' },
        { type: 'batch', items: [] },
        5,
        { type: 'hello' },
      ],
    });
    expect(out.map((r) => (r.ok ? 'ok' : r.code))).toEqual([
      'ok',
      ErrorCode.UnknownType,
      ErrorCode.Invalid,
      ErrorCode.Malformed,
      ErrorCode.Invalid,
    ]);
    expect(parseClientMessages({ type: 'batch', items: [] })[0]).toMatchObject({
      ok: false,
      code: ErrorCode.Invalid,
    });
  });
});

describe('parseEventData', () => {
  it('checks data against the catalogue', () => {
    expect(parseEventData('cursor_update', { x: 0.5, y: 0.5, page: 1 }).ok).toBe(true);
    const selection = (start: number, end: number) =>
      parseEventData('cursor_update', { x: 0, y: 0, page: 0, zoneId: 'z1', selection: { start, end } }).ok;
    expect([selection(3, 3), selection(0, 9), selection(5, 2), selection(-1, 2), selection(0.5, 1)]).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(parseEventData('cursor_update', { x: 'a', y: 0, page: 0 })).toMatchObject({
      ok: false,
      code: ErrorCode.Invalid,
    });
    expect(parseEventData('nope', {})).toMatchObject({ ok: false, code: ErrorCode.UnknownEvent });
  });

  it('says data when the data is not an object', () => {
    const r = parseEventData('app_event', 'x');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^data: /);
  });
});
