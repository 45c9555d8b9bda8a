import type { EventType, RoomState } from '@syncline/protocol';
import type { ClientEvents, EventHandler } from '../client.js';
import type { ConnectionState } from '../connection-state.js';
import type { Disposer } from '../emitter.js';
import type { SendOptions } from '../messenger.js';
import type { RoomOptions } from '../rooms.js';

/**
 * The part of `SynclineClient` a document client uses. `SynclineClient` is one; tests pass a fake.
 *
 * What the document client relies on: `request(..., {replay: false})` resolves with `undefined` when the
 * message could not be sent or the socket closed before the reply (the document client re-sends itself,
 * with the same opId); `welcome` is emitted after every handshake; events of a room are delivered in order.
 */
export interface DocTransport {
  readonly userId: string | undefined;
  readonly state: ConnectionState;
  request<T = unknown>(method: string, data?: unknown, options?: SendOptions): Promise<T>;
  subscribe<T extends EventType>(type: T, handler: EventHandler<T>): Disposer;
  join(room: string, options?: RoomOptions): Promise<RoomState>;
  leave(room: string): Promise<void>;
  on<K extends keyof ClientEvents>(name: K, listener: (...args: ClientEvents[K]) => void): Disposer;
  /** The server's clock now (`SynclineClient.serverNow`); without it, the document client's own clock. */
  serverNow?(): number;
}

/** The room of a document: presence and its events. */
export const docRoom = (documentId: string) => `doc:${documentId}`;

/**
 * `transport` for a second document client of a document whose room another client entered (and will leave): its
 * `leave` does nothing, so that it leaves the room to its owner.
 */
export function sharingRoom(transport: DocTransport): DocTransport {
  return {
    get userId() {
      return transport.userId;
    },
    get state() {
      return transport.state;
    },
    request: <T = unknown>(method: string, data?: unknown, options?: SendOptions) =>
      transport.request<T>(method, data, options),
    subscribe: <T extends EventType>(type: T, handler: EventHandler<T>) => transport.subscribe(type, handler),
    join: (room: string, options?: RoomOptions) => transport.join(room, options),
    leave: () => Promise.resolve(),
    serverNow: transport.serverNow ? () => transport.serverNow!() : undefined,
    on: <K extends keyof ClientEvents>(name: K, listener: (...args: ClientEvents[K]) => void) =>
      transport.on(name, listener),
  };
}
