import { describe, expect, it } from 'vitest';
import { PAYLOAD_BYTES, payloadJson, readPayload } from './payload.js';

describe('payloadJson', () => {
  it('is exactly 64 bytes of JSON for the counts and times a run uses', () => {
    for (const i of [0, 7, 1999, 99_999]) {
      for (const t of [0, 1.5, 123.456789, 987654.321]) {
        const s = payloadJson(i, t);
        expect(Buffer.byteLength(s)).toBe(PAYLOAD_BYTES);
        expect(readPayload(JSON.parse(s))).toEqual({ i, t: Math.round(t * 1000) / 1000 });
      }
    }
  });

  it('rejects values that are not bench payloads', () => {
    expect(readPayload(null)).toBeUndefined();
    expect(readPayload({ i: '1', t: 2 })).toBeUndefined();
  });
});
