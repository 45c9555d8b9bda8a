export {
  createJwtVerifier,
  DevTokenIssuer,
  identityFromClaims,
  type JwtOptions,
} from './auth/jwt-authenticator.js';
export { type Clock, systemClock } from './core/clock.js';
export { SynclineError } from './core/errors.js';
export type { Extension } from './core/hooks.js';
export {
  DEFAULT_LIMITS,
  DEFAULT_RETENTION,
  Hub,
  type HubLimits,
  type HubOptions,
  type MethodHandler,
  type RetentionConfig,
} from './core/hub.js';
export type { Identity } from './core/identity.js';
export { type Logger, silentLogger } from './core/logger.js';
export { DEFAULT_RATE_LIMITS, type RateLimit, type RateLimitOptions } from './core/rate-limiter.js';
export type { ConnectionHandle, ConnectionInfo, ServerSocket } from './core/server-socket.js';
export { SynclineServer, type SynclineServerOptions, VERSION } from './server.js';
export * from './storage/log-store.js';
export { MemoryLogStore } from './storage/memory-log-store.js';
export { SqliteLogStore, type SqliteLogStoreOptions } from './storage/sqlite-log-store.js';
export { WsTransport, type WsTransportOptions } from './transport/ws-transport.js';
