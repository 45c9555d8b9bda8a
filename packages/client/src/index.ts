export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, RetryTimer } from './backoff.js';
export {
  type ClientEvents,
  type ClientOptions,
  type EventHandler,
  type PublishResult,
  SynclineClient,
} from './client.js';
export {
  type CloseInfo,
  CONNECTION_STATES,
  type ConnectionState,
  type ConnectionStatus,
} from './connection-state.js';
export { BroadcastClaims } from './document/broadcast-claims.js';
export { diffDocuments } from './document/diff.js';
export {
  CLOSE_TIMEOUT_MS,
  DocumentClient,
  defaultDocPersistence,
  KEEP_CONFIRMED_EVERY_MS,
  type NewZone,
  type OpenReply,
} from './document/document-client.js';
export {
  IndexedDBDocPersistence,
  type IndexedDBDocPersistenceOptions,
} from './document/indexeddb-persistence.js';
export type { LockLostReason } from './document/locks.js';
export {
  type DocPersistence,
  LocalClaims,
  MemoryDocPersistence,
  type PersistedDoc,
  type PersistedOp,
  type ReleaseClaim,
} from './document/persistence.js';
export type { DocTransport } from './document/transport.js';
export type * from './document/types.js';
export type { Disposer } from './emitter.js';
export type {
  BrowserGlobals,
  Clock,
  ListenerTarget,
  Logger,
  Provider,
  Timers,
  WebSocketConstructor,
  WebSocketLike,
} from './environment.js';
export { SynclineError } from './errors.js';
export type { FrameRecord } from './frame-log.js';
export { IndexedDBOutboxStorage, type IndexedDBOutboxStorageOptions } from './indexeddb-outbox-storage.js';
export type { OutgoingMessage, RestoredReply, SendOptions } from './messenger.js';
export { MemoryOutboxStorage, type OutboxStorage, type StoredMessage } from './outbox-storage.js';
export { type Cursor, type PresenceSnapshot, RoomPresence } from './room-presence.js';
export type { RoomMode, RoomOptions } from './rooms.js';
export { Throttle } from './throttle.js';
export type { TokenRefreshOptions } from './token-refresh.js';
