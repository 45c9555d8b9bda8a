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
export type { RoomMode, RoomOptions } from './rooms.js';
export type { TokenRefreshOptions } from './token-refresh.js';
