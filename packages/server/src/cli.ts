#!/usr/bin/env node
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type NumericVariableName, readSettings } from './cli-config.js';
import { SynclineServer, type SynclineServerOptions } from './server.js';

/**
 * `npm start`: the Syncline server on the embedded default (SQLite under ./data, one process), or on
 * PostgreSQL when `DATABASE_URL` is set, configured by environment variables (see README "Configuration").
 */
const env = process.env;

// Every numeric and word variable is read (and checked) before anything starts, whether or not its feature is on: a
// bad value fails the start with a message naming it (each bad one, a line each), not the server later.
let settings: ReturnType<typeof readSettings>;
try {
  settings = readSettings(env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`syncline: refusing to start:\n${err.message}\n`);
  process.exit(1);
}
const num = (name: NumericVariableName): number => settings.numbers[name];
const { choices } = settings;
/** A comma-separated list; empty (or unset) is unset, as for every variable here (an empty allowlist refused all). */
const list = (name: string) => {
  const items = env[name]
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items?.length ? items : undefined;
};

// Dev mode is what a missing secret means, and in it anyone can mint a token for any `dev-*` user and read every
// document. A production deployment whose secret did not reach the environment (a misspelt variable, a secret that
// was not mounted) must fail to start rather than silently serve that; `SYNCLINE_DEV_MODE=1` still allows it.
if (
  !env.SYNCLINE_JWT_SECRET &&
  !env.SYNCLINE_JWKS_URL &&
  env.NODE_ENV === 'production' &&
  choices.SYNCLINE_DEV_MODE !== '1'
) {
  process.stderr.write(
    'syncline: NODE_ENV=production but neither SYNCLINE_JWT_SECRET nor SYNCLINE_JWKS_URL is set: refusing to ' +
      'start in dev mode (anyone could get a token). Configure one, or set SYNCLINE_DEV_MODE=1 to run dev mode anyway.\n',
  );
  process.exit(1);
}

const dataDir = env.SYNCLINE_DATA_DIR ?? './data';
let storage: SynclineServerOptions['storage'] = 'memory';
if (env.DATABASE_URL) {
  // Several nodes share the room log and documents in PostgreSQL (migrated at start).
  storage = { postgres: env.DATABASE_URL, schema: env.SYNCLINE_DATABASE_SCHEMA || undefined };
} else if (choices.SYNCLINE_STORAGE === 'sqlite') {
  mkdirSync(dataDir, { recursive: true });
  storage = { sqlite: join(dataDir, 'syncline.db') };
}

// Studio's production build, served at `/` by this process when it has been built (`npm run build`).
const studioDir =
  env.SYNCLINE_STUDIO_DIR || fileURLToPath(new URL('../../../apps/studio/dist/', import.meta.url));
const staticDir = existsSync(join(studioDir, 'index.html')) ? studioDir : undefined;

const server = new SynclineServer({
  storage,
  path: env.SYNCLINE_WS_PATH || '/ws',
  auth: {
    secret: env.SYNCLINE_JWT_SECRET || undefined,
    jwksUrl: env.SYNCLINE_JWKS_URL || undefined,
    issuer: env.SYNCLINE_JWT_ISSUER || undefined,
    audience: env.SYNCLINE_JWT_AUDIENCE || undefined,
    devSecret: env.SYNCLINE_DEV_SECRET || undefined,
    // Without a secret: dev mode, which the check above allows here only outside production or when asked for.
    dev: env.NODE_ENV !== 'production' || choices.SYNCLINE_DEV_MODE === '1',
  },
  allowedOrigins: list('SYNCLINE_ALLOWED_ORIGINS'),
  maxConnectionsPerIp: num('SYNCLINE_MAX_CONN_PER_IP'),
  trustProxy: choices.SYNCLINE_TRUST_PROXY === '1',
  compression:
    choices.SYNCLINE_COMPRESSION === '1' ? { threshold: num('SYNCLINE_COMPRESSION_THRESHOLD') } : false,
  rateLimits: choices.SYNCLINE_RATE_LIMIT === 'off' ? false : undefined,
  limits: {
    maxPayload: num('SYNCLINE_MAX_PAYLOAD'),
    maxConnectionsPerUser: num('SYNCLINE_MAX_CONN_PER_USER'),
    heartbeatMs: num('SYNCLINE_HEARTBEAT_MS'),
    sessionGraceMs: num('SYNCLINE_SESSION_GRACE_MS'),
    ephemeralWindowMs: num('SYNCLINE_EPHEMERAL_WINDOW_MS'),
    batchWindowMs: num('SYNCLINE_BATCH_WINDOW_MS'),
  },
  systemStatusIntervalMs: num('SYNCLINE_SYSTEM_STATUS_MS'),
  documents: { lockTtlMs: num('SYNCLINE_LOCK_TTL_MS'), maxZones: num('SYNCLINE_MAX_ZONES') },
  jobs:
    choices.SYNCLINE_JOBS === 'off'
      ? false
      : {
          dataDir,
          maxUploadBytes: num('SYNCLINE_MAX_UPLOAD_BYTES'),
          concurrency: num('SYNCLINE_JOB_CONCURRENCY'),
          maxAttempts: num('SYNCLINE_JOB_MAX_ATTEMPTS'),
          maxPagesPerSecond: num('SYNCLINE_JOB_MAX_PAGES_PER_SECOND') || undefined,
          downloadLinks: {
            ttlMs: num('SYNCLINE_DOWNLOAD_LINK_TTL_MS'),
            secret: env.SYNCLINE_DOWNLOAD_LINK_SECRET || undefined,
          },
        },
  staticDir,
  // Several nodes: fan-out, presence, resumable sessions and zone locks through Redis (with DATABASE_URL).
  broker: env.REDIS_URL
    ? { redis: env.REDIS_URL, prefix: env.SYNCLINE_REDIS_PREFIX || undefined }
    : undefined,
  // The storage failed under the server (it stopped without sending anything unstored): let a supervisor restart it.
  onFatal: () => process.exit(1),
});

const port = num('PORT');
// Read with the others at the start, not at the signal: a bad value fails the start, not the graceful shutdown.
const restartHintMs = num('SYNCLINE_RESTART_HINT_MS');
const { port: bound } = await server.listen(port, env.HOST || undefined);
server.log.warn(
  { port: bound, ws: server.path, dev: server.devTokens !== null, studio: staticDir ?? null },
  'listening',
);
// A machine-readable line for scripts (benchmarks, tests) regardless of LOG_LEVEL.
process.stdout.write(`${JSON.stringify({ msg: 'listening', port: bound, ws: server.path })}\n`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  server.log.warn({ signal }, 'shutting down');
  server
    .close({ restartHintMs })
    .then(() => process.exit(0))
    .catch((err) => {
      server.log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
