import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Cleanup, CliServer } from './helpers.js';

/** The CLI's environment as an env file or a compose setup writes it: variables present but empty mean unset. */
const BASE = {
  PORT: '0',
  HOST: '127.0.0.1',
  SYNCLINE_STORAGE: 'memory',
  SYNCLINE_JOBS: 'off',
  SYNCLINE_JWT_SECRET: 'cli-config-test-secret-0123456789abcdef',
  LOG_LEVEL: 'warn',
};

describe('CLI configuration', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('takes an empty SYNCLINE_ALLOWED_ORIGINS and SYNCLINE_WS_PATH as unset (any origin, /ws)', async () => {
    const cli = new CliServer({ ...BASE, SYNCLINE_ALLOWED_ORIGINS: '', SYNCLINE_WS_PATH: '' });
    cleanup.add(() => cli.kill());
    const port = await cli.start();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['syncline.v1.json'], {
      headers: { Origin: 'https://app.example.com' },
    });
    cleanup.add(() => ws.terminate());
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    // Not refused for its origin (4003): a message before hello is answered hello_required (4000).
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'ping' }));
    expect(await closed).toBe(4000);
  });

  it('refuses to start with a bad SYNCLINE_RESTART_HINT_MS (read at start, not at shutdown)', async () => {
    const cli = new CliServer({ ...BASE, SYNCLINE_RESTART_HINT_MS: 'abc' });
    cleanup.add(() => cli.kill());
    await expect(cli.start()).rejects.toThrow(
      'SYNCLINE_RESTART_HINT_MS must be an integer from 0 to 600000, got "abc"',
    );
  });

  it('refuses to start with a variable out of its range or words, naming each bad one with its value and range', async () => {
    // A heartbeat of 0 had clients ping in a loop; a job concurrency of 0 was taken as 1 without a word.
    // SYNCLINE_STORAGE=postgres ran on SQLite without a word.
    const cli = new CliServer({
      ...BASE,
      SYNCLINE_HEARTBEAT_MS: '0',
      SYNCLINE_JOB_CONCURRENCY: '0',
      SYNCLINE_STORAGE: 'postgres',
    });
    cleanup.add(() => cli.kill());
    const start = cli.start();
    await expect(start).rejects.toThrow(/^server exited \(1\) before listening/);
    await expect(start).rejects.toThrow(
      'syncline: refusing to start:\n' +
        'SYNCLINE_HEARTBEAT_MS must be an integer from 1000 to 3600000, got "0"\n' +
        'SYNCLINE_JOB_CONCURRENCY must be an integer from 1 to 64, got "0"\n' +
        'SYNCLINE_STORAGE must be one of sqlite, memory, got "postgres" (PostgreSQL is DATABASE_URL)\n',
    );
  });
});
