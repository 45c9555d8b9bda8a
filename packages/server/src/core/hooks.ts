import type { BatchableClientMessage } from '@syncline/protocol';
import type { Identity } from './identity.js';
import type { ConnectionInfo } from './server-socket.js';
import type { RoomMode } from './subscription.js';

/**
 * Typed hooks an app uses to extend the server, run in ascending `priority` (default 100), each awaited
 * in turn. Throwing a `SynclineError` answers the client with its code; other throws are `internal`.
 * Configuration callbacks are just another extension.
 */
export interface Extension {
  priority?: number;
  /** A socket opened (before hello). Throw to refuse it (closed with Forbidden). */
  onConnect?(ctx: { info: ConnectionInfo }): void | Promise<void>;
  /**
   * Authenticate a token. Return an identity to accept it (the first extension that returns one wins
   * and the default JWT check is skipped), `undefined` to defer to the next, or throw to refuse.
   */
  onAuthenticate?(ctx: {
    token: string;
    info: ConnectionInfo;
  }): Identity | undefined | Promise<Identity | undefined>;
  /** A user enters a room. Return `false` or throw to refuse (nack `forbidden`). */
  onJoin?(ctx: {
    user: Identity;
    room: string;
    mode: RoomMode;
  }): boolean | undefined | Promise<boolean | undefined>;
  /** A message from an authenticated client, before it takes effect. Throw to refuse it. */
  onMessage?(ctx: { user: Identity; message: BatchableClientMessage }): void | Promise<void>;
  /** A connection closed (after hello, `user` is set). */
  onDisconnect?(ctx: {
    user?: Identity;
    info: ConnectionInfo;
    code: number;
    reason: string;
  }): void | Promise<void>;
}

export function sortExtensions(exts: readonly Extension[]): Extension[] {
  return [...exts].sort((a, b) => (a.priority ?? 100) - (b.priority ?? 100));
}
