import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from './core/logger.js';
import { SynclineServer } from './server.js';

describe('SynclineServer timing limits', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

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
    const dir = mkdtempSync(join(tmpdir(), 'syncline-limits-'));
    dirs.push(dir);
    const file = join(dir, 'syncline.db');
    expect(
      () =>
        new SynclineServer({
          storage: { sqlite: file },
          auth: { dev: true },
          logger: silentLogger,
          limits: { [name]: value },
        }),
    ).toThrow(
      new RangeError(
        `limits.${name} must be an integer from ${name.startsWith('heartbeat') ? 1000 : 1} to 2147483647, got ${value}`,
      ),
    );
    expect(existsSync(file)).toBe(false);
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
