import { describe, expect, it } from 'vitest';
import { payloadJson } from '../payload.js';
import { scanEvents, scanTypedEvents } from './scan.js';

const item = (i: number, type = 'app_event') =>
  `{"type":"${type}","room":"doc:bench","seq":${i + 1},"ts":1,"from":"u0","data":${payloadJson(i, 10.25 + i)}}`;
const batch = (...items: string[]) => `{"type":"batch","items":[${items.join(',')}]}`;

describe('scanEvents', () => {
  it('reads Socket.IO event packets and bare relay frames', () => {
    const out: number[] = [];
    expect(scanEvents(`42["event",${payloadJson(7, 1.5)}]`, out)).toBe(1);
    expect(out).toEqual([7, 1.5]);
    expect(scanEvents(payloadJson(12345, 99999.125), out)).toBe(1);
    expect(out).toEqual([12345, 99999.125]);
  });

  it('reads times written in any JSON number form', () => {
    const out: number[] = [];
    expect(scanEvents('{"i":1,"t":1.5e3}{"i":2,"t":-2}{"i":3,"t":42}', out)).toBe(3);
    expect(out).toEqual([1, 1500, 2, -2, 3, 42]);
  });

  it('finds nothing in frames without payloads and fails on unreadable ones', () => {
    const out: number[] = [];
    expect(scanEvents('{"type":"ping","ts":5}', out)).toBe(0);
    expect(scanEvents('{"i":"x","t":1}', out)).toBe(-1);
    expect(scanEvents('{"i":1}', out)).toBe(-1);
    expect(scanEvents('{"i":1,"t":"a"}', out)).toBe(-1);
  });
});

describe('scanTypedEvents', () => {
  it('reads every event of a batch and a single event', () => {
    const out: number[] = [];
    expect(scanTypedEvents(batch(item(0), item(1), item(2)), 'app_event', out)).toBe(3);
    expect(out).toEqual([0, 10.25, 1, 11.25, 2, 12.25]);
    expect(scanTypedEvents(item(9), 'app_event', out)).toBe(1);
    expect(out).toEqual([9, 19.25]);
  });

  it('refuses frames holding anything but events, so the caller parses them', () => {
    const out: number[] = [];
    expect(scanTypedEvents(batch(item(0), '{"type":"ping","ts":5}'), 'app_event', out)).toBe(-1);
    expect(scanTypedEvents('{"type":"ack","id":"s1","data":{"seq":0}}', 'app_event', out)).toBe(-1);
    expect(scanTypedEvents(item(0, 'app_eventx'), 'app_event', out)).toBe(-1);
    expect(scanTypedEvents('[]', 'app_event', out)).toBe(-1);
  });
});
