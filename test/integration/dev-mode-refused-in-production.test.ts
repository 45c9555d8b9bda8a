import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, CliServer, ROOT } from './helpers.js';

/** No secret anywhere (the variables are set empty, so none leaks in from the environment running the tests). */
const NO_SECRET = {
  PORT: '0',
  HOST: '127.0.0.1',
  SYNCLINE_STORAGE: 'memory',
  SYNCLINE_JOBS: 'off',
  SYNCLINE_JWT_SECRET: '',
  SYNCLINE_JWKS_URL: '',
  SYNCLINE_DEV_MODE: '',
  LOG_LEVEL: 'warn',
};

/** Runs the CLI until it exits or says it listens; kills it in the second case. */
function runCli(
  env: Record<string, string>,
): Promise<{ code: number | null; listening: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'packages/server/dist/cli.js')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let listening = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      if (!listening && output.includes('"msg":"listening"')) {
        listening = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, listening, output });
    });
  });
}

describe('dev mode in production', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('the CLI refuses to start with NODE_ENV=production and no secret', async () => {
    const run = await runCli({ ...NO_SECRET, NODE_ENV: 'production' });
    expect(run.listening).toBe(false);
    expect(run.code).toBe(1);
    expect(run.output).toContain('SYNCLINE_JWT_SECRET');
  });

  it('starts in dev mode when asked explicitly (SYNCLINE_DEV_MODE=1), and outside production', async () => {
    for (const env of [{ NODE_ENV: 'production', SYNCLINE_DEV_MODE: '1' }, { NODE_ENV: 'development' }]) {
      const cli = new CliServer({ ...NO_SECRET, ...env });
      cleanup.add(() => cli.kill());
      const port = await cli.start();
      const res = await fetch(`http://127.0.0.1:${port}/api/dev/token`, {
        method: 'POST',
        body: JSON.stringify({ name: 'Ada' }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ userId: 'dev-ada' });
    }
  });
});

describe('the dev token route', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('answers bad requests as every route does: 413 too_large, 405 with Allow, 400 invalid', async () => {
    const cli = new CliServer({ ...NO_SECRET, NODE_ENV: 'development' });
    cleanup.add(() => cli.kill());
    const url = `http://127.0.0.1:${await cli.start()}/api/dev/token`;
    const big = await fetch(url, { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(20_000) }) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'too_large' } });
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    const garbled = await fetch(url, { method: 'POST', body: '{"name":' });
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({ error: { code: 'invalid' } });
  });
});
