export {
  ConnectionStatus,
  type ConnectionStatusProps,
  useCountdown,
} from './components/connection-status.js';
export { CursorTracker, type CursorTrackerProps, pagePosition } from './components/cursor-tracker.js';
export {
  type NotificationAction,
  NotificationContainer,
  type NotificationContainerProps,
} from './components/notification-container.js';
export {
  formatDuration,
  ProcessingProgress,
  type ProcessingProgressProps,
} from './components/processing-progress.js';
export { UserPresence, type UserPresenceProps } from './components/user-presence.js';
export type { DocIssue } from './document-issues.js';
export type { AnyEventHandler } from './event-bus.js';
export type {
  Notification,
  NotificationCenterOptions,
  NotificationInput,
  NotificationKind,
} from './notification-center.js';
export {
  IDLE_PROCESSING,
  type ProcessingState,
  type ProcessingStatus,
  processingActions,
} from './processing-state.js';
export type { MaintenanceState } from './runtime.js';
export {
  type Collaboration,
  type CollaborationCursor,
  type CollaborationOptions,
  type CollaborationUser,
  type CursorPosition,
  type TextSelection,
  useCollaboration,
} from './use-collaboration.js';
export {
  type DocumentHistory,
  type DocumentHistoryOptions,
  useDocumentHistory,
} from './use-document-history.js';
export { useDocumentUsers } from './use-document-users.js';
export { type ExportState, type ExportStatus, IDLE_EXPORT, type UseExport, useExport } from './use-export.js';
export { type UseNotifications, useMaintenance, useNotifications, useNotify } from './use-notifications.js';
export {
  EMPTY_DOCUMENT_STATE,
  type RealTimeDocument,
  textDiff,
  useRealTimeDocument,
  type ZoneUpdates,
} from './use-real-time-document.js';
export {
  IDLE_STATUS,
  type SendMessage,
  useWebSocketContext,
  type WebSocketContextValue,
} from './use-websocket-context.js';
export { useWebSocketProgress, type WebSocketProgress } from './use-websocket-progress.js';
export { useZone, useZoneLock } from './use-zone.js';
export { initials, userColor } from './user-color.js';
export {
  WebSocketProvider,
  type WebSocketProviderOptions,
  type WebSocketProviderProps,
} from './websocket-provider.js';
export { readingOrder } from './zones.js';
