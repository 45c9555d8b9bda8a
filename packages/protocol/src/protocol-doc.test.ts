import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from './codes.js';
import { EVENTS, isEventType } from './events.js';
import { SERVER_MESSAGE_TYPES } from './messages.js';
import { parseClientMessages, parseEventData, parseHello } from './validate.js';

/**
 * PROTOCOL.md is what client implementers read: these checks keep its catalogues and examples true to the code
 * (every error and close code in its tables and only those, every JSON example valid and of the schemas).
 */
const doc = readFileSync(new URL('../PROTOCOL.md', import.meta.url), 'utf8');

/** The text of one `## N. Title` section. */
function section(n: number): string {
  const start = doc.indexOf(`\n## ${n}. `);
  expect(start, `section ${n}`).toBeGreaterThan(0);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** The first cell of each body row of the tables in `text`, without its backticks. */
function firstCells(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|')[1].trim().replace(/`/g, ''));
}

/** Close codes the §20 table lists that are no `CloseCode`: seen locally only, or RFC 6455's for a server bug. */
const NOT_CATALOGUED = new Set([1006, 1011]);

describe('PROTOCOL.md', () => {
  it('§19 lists every error code of codes.ts, and no other', () => {
    expect(firstCells(section(19)).sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it('§20 lists every close code of codes.ts with its reconnect advice, and no other', () => {
    const rows = section(20)
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    const header = section(20)
      .split('\n')
      .find((line) => line.startsWith('| Code'))!
      .split('|')
      .map((cell) => cell.trim());
    const reconnect = header.indexOf('Reconnect');
    expect(reconnect).toBeGreaterThan(0);
    const documented = new Map(rows.map((r) => [Number(r[1].replace(/`/g, '')), r[reconnect]]));
    for (const info of Object.values(CloseCode)) {
      expect(documented.get(info.code), String(info.code)).toBe(info.reconnect ? 'yes' : 'no');
    }
    const catalogued = new Set<number>(Object.values(CloseCode).map((c) => c.code));
    for (const code of documented.keys()) {
      expect(catalogued.has(code) || NOT_CATALOGUED.has(code), `${code} is documented`).toBe(true);
    }
  });

  it('§12.1 lists every event of the catalogue with its class and publisher, and no other', () => {
    const start = doc.indexOf('### 12.1 Summary');
    const table = doc.slice(start, doc.indexOf('\n\n', doc.indexOf('| Event', start)));
    const rows = table
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split('|').map((cell) => cell.trim().replace(/`/g, '')));
    expect(Object.fromEntries(rows.map((r) => [r[1], `${r[2]} ${r[3]}`]))).toEqual(
      Object.fromEntries(Object.entries(EVENTS).map(([type, e]) => [type, `${e.delivery} ${e.publisher}`])),
    );
  });

  /** Every JSON example: a block, or a block of one message per line (`→` client to server, `←` back). */
  const examples: { line: number; text: string; dir: '→' | '←' | null }[] = [];
  for (const m of doc.matchAll(/```json\n([\s\S]*?)```/g)) {
    const line = doc.slice(0, m.index).split('\n').length + 1;
    const body = m[1];
    if (!/^[→←]/m.test(body) && !body.trimStart().startsWith('{"')) {
      examples.push({ line, text: body, dir: null });
      continue;
    }
    body.split('\n').forEach((text, i) => {
      const dir = text.startsWith('→') ? '→' : text.startsWith('←') ? '←' : null;
      const json = dir ? text.slice(1).trim() : text.trim();
      if (json) examples.push({ line: line + i, text: json, dir });
    });
  }

  it('has JSON examples', () => {
    expect(examples.length).toBeGreaterThan(50);
  });

  /**
   * An example may shorten: `…` for a value (`"token":"eyJ…"` is a string already) or for the rest of an object
   * (`{"type":"welcome",…,"rooms":[…]}`). Shortened parts are put back as placeholders before parsing.
   */
  const parse = (text: string): unknown =>
    JSON.parse(
      text
        .replace(/([{,])\s*…\s*(?=[,}])/g, '$1"…":0')
        .replace(/\[\s*…\s*\]/g, '[]')
        .replace(/:\s*…\s*(?=[,}\]])/g, ':"…"')
        .replace(/,\s*…\s*(?=\])/g, ''),
    );

  it('has examples that are valid JSON (once shortenings are filled in)', () => {
    for (const e of examples) {
      if (e.dir === '→' && !e.text.startsWith('{')) continue; // a deliberately undecodable frame
      expect(() => parse(e.text), `line ${e.line}: ${e.text.slice(0, 120)}`).not.toThrow();
    }
  });

  const messages = (value: unknown): Record<string, unknown>[] => {
    const m = value as Record<string, unknown>;
    return m.type === 'batch' && Array.isArray(m.items) ? (m.items as Record<string, unknown>[]) : [m];
  };
  const shortened = (text: string) => text.includes('…');
  /** An `ephemeral` group (§3.3) as the events it stands for. */
  const ungroup = (m: Record<string, unknown>): Record<string, unknown>[] => {
    if (m.type !== 'ephemeral') return [m];
    const items = m.items as unknown[];
    expect(items.length % 3).toBe(0);
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < items.length; i += 3) {
      events.push({ type: m.event, room: m.room, from: items[i], ts: items[i + 1], data: items[i + 2] });
    }
    return events;
  };

  /** The refusals of a client message (its schema, and a publish's data against the catalogue). */
  const refusals = (value: { type: string }): { code: string; message: string }[] => {
    const results = value.type === 'hello' ? [parseHello(value)] : parseClientMessages(value);
    return results.flatMap((r) => {
      if (!r.ok) return [r];
      if (r.value.type !== 'publish') return [];
      const data = parseEventData(r.value.event, r.value.data);
      return data.ok ? [] : [data];
    });
  };

  it('has client examples that the server accepts, and refused ones that are refused as the example says', () => {
    let checked = 0;
    for (const e of examples) {
      if (e.dir !== '→' || !e.text.startsWith('{') || shortened(e.text)) continue;
      for (const r of refusals(parse(e.text) as { type: string })) {
        // An example may show a refusal: then the following lines say so (checked by the server's tests).
        const next = examples.find((x) => x.line > e.line && x.dir === '←');
        expect(next?.text, `line ${e.line}: ${r.message}`).toContain(`"code":"${r.code}"`);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('has server examples of known message types, whose client-published events match their schemas', () => {
    const known = new Set<string>(SERVER_MESSAGE_TYPES);
    for (const e of examples) {
      if (e.dir === '→') continue;
      const value = parse(e.text) as { type?: string };
      if (e.dir === null && typeof value.type !== 'string') continue; // a data object or a reply's body
      for (const m of messages(value).flatMap(ungroup)) {
        const type = String(m.type);
        const at = `line ${e.line}: ${type}`;
        if (e.dir === null && !known.has(type)) continue; // a client message shown alone (checked above)
        expect(known.has(type), at).toBe(true);
        if (!isEventType(type)) continue;
        expect(typeof m.room, at).toBe('string');
        if (shortened(JSON.stringify(m))) continue;
        const spec = EVENTS[type];
        if (spec.publisher === 'server') continue; // the server's own events are not validated (§12)
        const r = parseEventData(type, m.data);
        expect(r.ok ? '' : r.message, at).toBe('');
        // Logged events have a seq, ephemeral ones none (a maintenance snapshot neither, §22.1).
        if (spec.delivery === 'ephemeral') expect(m.seq, at).toBeUndefined();
      }
    }
  });

  it('has standalone client examples that are valid', () => {
    for (const e of examples) {
      if (e.dir !== null || shortened(e.text)) continue;
      const value = parse(e.text) as { type?: string };
      if (typeof value.type !== 'string') continue;
      if (value.type === 'hello') {
        const r = parseHello(value);
        expect(r.ok ? '' : r.message, `line ${e.line}`).toBe('');
      } else if (!SERVER_MESSAGE_TYPES.includes(value.type as never) || value.type === 'batch') {
        if (value.type === 'batch' && messages(value).some((m) => m.type === 'ack')) continue; // a server batch
        expect(refusals(value as { type: string }), `line ${e.line}`).toEqual([]);
      }
    }
  });
});
