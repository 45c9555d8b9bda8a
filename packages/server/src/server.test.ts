import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from './core/logger.js';
import { SynclineServer, type SynclineServerOptions } from './server.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A server on a SQLite file made with `options` throws `RangeError(message)`, and has not made the file. */
function refusedBeforeOpening(options: SynclineServerOptions, message: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-options-'));
  dirs.push(dir);
  const file = join(dir, 'syncline.db');
  expect(
    () =>
      new SynclineServer({
        storage: { sqlite: file },
        auth: { dev: true },
        logger: silentLogger,
        ...options,
      }),
  ).toThrow(new RangeError(message));
  expect(existsSync(file)).toBe(false);
}

describe('SynclineServer timing limits', () => {
  it.each([
    ['heartbeatMs', 0],
    ['heartbeatMs', -1],
    ['heartbeatMs', 999],
    ['heartbeatMs', 1500.5],
    ['heartbeatMs', Number.NaN],
    ['heartbeatMs', Number.POSITIVE_INFINITY],
    ['heartbeatMs', 2 ** 31],
    ['heartbeatTimeoutMs', 0],
    ['heartbeatTimeoutMs', 500],
    ['sessionGraceMs', 0],
    ['sessionGraceMs', -120_000],
    ['presenceGraceMs', 0],
    ['presenceGraceMs', -1],
  ])('refuses limits.%s = %s by name, before opening anything', (name, value) => {
    const min = name.startsWith('heartbeat') ? 1000 : 1;
    refusedBeforeOpening(
      { limits: { [name]: value } },
      `limits.${name} must be an integer from ${min} to 2147483647, got ${value}`,
    );
  });

  it('takes the least values it allows', async () => {
    const server = new SynclineServer({
      storage: 'memory',
      auth: { dev: true },
      logger: silentLogger,
      systemStatusIntervalMs: 0,
      limits: { heartbeatMs: 1000, heartbeatTimeoutMs: 1000, sessionGraceMs: 1, presenceGraceMs: 1 },
    });
    expect(server.hub.limits).toMatchObject({ heartbeatMs: 1000, heartbeatTimeoutMs: 1000 });
    await server.close({ restartHintMs: 0 });
  });
});

describe('SynclineServer option ranges', () => {
  it.each([
    [{ documents: { lockTtlMs: 0 } }, 'documents.lockTtlMs must be an integer from 1 to 2147483647, got 0'],
    [{ documents: { lockTtlMs: -5 } }, 'documents.lockTtlMs must be an integer from 1 to 2147483647, got -5'],
    [
      { systemStatusIntervalMs: 1 },
      'systemStatusIntervalMs must be 0 or an integer from 1000 to 2147483647, got 1',
    ],
    [
      { systemStatusIntervalMs: -1 },
      'systemStatusIntervalMs must be 0 or an integer from 1000 to 2147483647, got -1',
    ],
    [
      { compression: { threshold: -1 } },
      'compression.threshold must be an integer from 0 to 2147483647, got -1',
    ],
  ])('refuses %o by name, before opening anything', (options, message) => {
    refusedBeforeOpening(options, message);
  });
});
