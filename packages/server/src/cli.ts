#!/usr/bin/env node
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SynclineServer, type SynclineServerOptions } from './server.js';

/**
 * `npm start`: the Syncline server on the embedded default (SQLite under ./data, one process),
 * configured by environment variables (see README "Configuration").
 */
const env = process.env;
const int = (name: string, fallback: number): number => {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${v}"`);
  return n;
};
const list = (name: string) =>
  env[name]
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const dataDir = env.SYNCLINE_DATA_DIR ?? './data';
let storage: SynclineServerOptions['storage'] = 'memory';
if (env.SYNCLINE_STORAGE !== 'memory') {
  mkdirSync(dataDir, { recursive: true });
  storage = { sqlite: join(dataDir, 'syncline.db') };
}

const server = new SynclineServer({
  storage,
  path: env.SYNCLINE_WS_PATH ?? '/ws',
  auth: {
    secret: env.SYNCLINE_JWT_SECRET || undefined,
    jwksUrl: env.SYNCLINE_JWKS_URL || undefined,
    issuer: env.SYNCLINE_JWT_ISSUER || undefined,
    audience: env.SYNCLINE_JWT_AUDIENCE || undefined,
  },
  allowedOrigins: list('SYNCLINE_ALLOWED_ORIGINS'),
  maxConnectionsPerIp: int('SYNCLINE_MAX_CONN_PER_IP', 1000),
  trustProxy: env.SYNCLINE_TRUST_PROXY === '1',
  compression:
    env.SYNCLINE_COMPRESSION === '1' ? { threshold: int('SYNCLINE_COMPRESSION_THRESHOLD', 1024) } : false,
  rateLimits: env.SYNCLINE_RATE_LIMIT === 'off' ? false : undefined,
  limits: {
    maxPayload: int('SYNCLINE_MAX_PAYLOAD', 64 * 1024),
    maxConnectionsPerUser: int('SYNCLINE_MAX_CONN_PER_USER', 20),
    heartbeatMs: int('SYNCLINE_HEARTBEAT_MS', 25_000),
    sessionGraceMs: int('SYNCLINE_SESSION_GRACE_MS', 120_000),
  },
  systemStatusIntervalMs: int('SYNCLINE_SYSTEM_STATUS_MS', 10_000),
});

const port = int('PORT', 8000);
const { port: bound } = await server.listen(port, env.HOST || undefined);
server.log.warn({ port: bound, ws: server.path, dev: server.devTokens !== null }, 'listening');
// A machine-readable line for scripts (benchmarks, tests) regardless of LOG_LEVEL.
process.stdout.write(`${JSON.stringify({ msg: 'listening', port: bound, ws: server.path })}\n`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  server.log.warn({ signal }, 'shutting down');
  server
    .close({ restartHintMs: int('SYNCLINE_RESTART_HINT_MS', 1000) })
    .then(() => process.exit(0))
    .catch((err) => {
      server.log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
