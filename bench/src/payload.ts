/**
 * The application payload every system carries: `{"name":"bench","i":<n>,"t":<ms>,"pad":"x..."}`, padded
 * to exactly 64 bytes of JSON. `i` numbers the event (loss / duplicate checks), `t` is its intended send
 * time on the load generator's monotonic clock (`performance.now()`, ms), which is also where it is
 * received, so latency needs no clock sync. `name` is there because Syncline's `app_event` requires it.
 */
export interface BenchPayload {
  name: 'bench';
  i: number;
  t: number;
  pad: string;
}

export const PAYLOAD_BYTES = 64;

/** The payload of event `i` intended for time `t`, as JSON text of `PAYLOAD_BYTES` bytes (or more if `i` is huge). */
export function payloadJson(i: number, t: number): string {
  const tt = Math.round(t * 1000) / 1000;
  const base = `{"name":"bench","i":${i},"t":${tt},"pad":""}`;
  return `{"name":"bench","i":${i},"t":${tt},"pad":"${'x'.repeat(Math.max(0, PAYLOAD_BYTES - base.length))}"}`;
}

/** Reads `i` and `t` from a decoded payload; undefined if it is not one of ours. */
export function readPayload(data: unknown): { i: number; t: number } | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { i, t } = data as { i?: unknown; t?: unknown };
  return typeof i === 'number' && typeof t === 'number' ? { i, t } : undefined;
}
