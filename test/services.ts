import { existsSync } from 'node:fs';
import { Socket } from 'node:net';

/**
 * Services that some tests need (PostgreSQL, Redis, Chromium). A test file asks with `needService`:
 * when the service is reachable the tests run; when it is not, they are skipped locally but, under
 * `CI=true`, the call throws so that the file fails — a missing service is never a silent skip in CI.
 */
export type ServiceName = 'postgres' | 'redis' | 'chromium';

export const POSTGRES_URL =
  process.env.SYNCLINE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.SYNCLINE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CHROMIUM_PATH = process.env.SYNCLINE_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Whether a TCP port accepts connections within `timeoutMs`. */
export function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

function hostPort(url: string, defaultPort: number): [string, number] {
  const u = new URL(url);
  return [u.hostname || '127.0.0.1', Number(u.port || defaultPort)];
}

async function available(name: ServiceName): Promise<boolean> {
  switch (name) {
    case 'postgres':
      return reachable(...hostPort(POSTGRES_URL, 5432));
    case 'redis':
      return reachable(...hostPort(REDIS_URL, 6379));
    case 'chromium':
      return existsSync(CHROMIUM_PATH);
  }
}

/** Resolves whether `name` can be used; under `CI=true` a missing service throws instead. */
export async function needService(name: ServiceName): Promise<boolean> {
  const ok = await available(name);
  if (!ok && process.env.CI === 'true') {
    throw new Error(`${name} is required under CI=true but is not reachable`);
  }
  return ok;
}
