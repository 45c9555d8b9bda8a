export { DEFAULT_LINK_TTL_MS, type DownloadLinkOptions, DownloadLinks } from './auth/download-links.js';
export {
  createJwtVerifier,
  DevTokenIssuer,
  identityFromClaims,
  type JwtOptions,
} from './auth/jwt-authenticator.js';
export type {
  Broker,
  BrokerHandler,
  EphemeralEvent,
  NodePresence,
  PresenceChange,
  SessionRecord,
} from './broker/broker.js';
export { LocalBroker, LocalBus } from './broker/local-broker.js';
export { RedisBroker, type RedisBrokerOptions } from './broker/redis-broker.js';
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
export type { DocStore, DocUser, DocumentInfo, OpRecord, Snapshot } from './docs/doc-store.js';
export { MemoryDocStore } from './docs/memory-doc-store.js';
export { PostgresDocStore, type PostgresDocStoreOptions } from './docs/postgres-doc-store.js';
export { SqliteDocStore, type SqliteDocStoreOptions } from './docs/sqlite-doc-store.js';
export { DiskFileStore } from './jobs/disk-file-store.js';
export type { CanAccessDocument } from './jobs/document-access.js';
export type { FileStore } from './jobs/file-store.js';
export { type Job, JobFailure, type JobPatch, type NewJob } from './jobs/job.js';
export { jobPermissions } from './jobs/job-permissions.js';
export { type JobContext, type JobHandler, JobRunner, type JobRunnerOptions } from './jobs/job-runner.js';
export { JobService } from './jobs/job-service.js';
export type { ClaimOptions, JobQuery, JobStore } from './jobs/job-store.js';
export type { JobsOptions } from './jobs/jobs-options.js';
export { MemoryFileStore } from './jobs/memory-file-store.js';
export { MemoryJobStore } from './jobs/memory-job-store.js';
export type { PdfPipeline } from './jobs/pdf-pipeline.js';
export { SqliteJobStore, type SqliteJobStoreOptions } from './jobs/sqlite-job-store.js';
export type { UploadedDocument, UploadedDocumentPatch } from './jobs/uploaded-document.js';
export { type AuthOptions, SynclineServer, type SynclineServerOptions, VERSION } from './server.js';
export * from './storage/log-store.js';
export { MemoryLogStore } from './storage/memory-log-store.js';
export { PostgresLogStore, type PostgresLogStoreOptions } from './storage/postgres-log-store.js';
export { POSTGRES_MIGRATIONS, type PostgresMigration } from './storage/postgres-migrations.js';
export { PostgresPool, type PostgresPoolOptions } from './storage/postgres-pool.js';
export { SqliteLogStore, type SqliteLogStoreOptions } from './storage/sqlite-log-store.js';
export { WsTransport, type WsTransportOptions } from './transport/ws-transport.js';
