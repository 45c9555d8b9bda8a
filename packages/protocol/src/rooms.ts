/**
 * Room names. A room is `kind` or `kind:id`:
 * - `doc:<documentId>`: one document and everyone working on it;
 * - `user:<userId>`: one user's private channel, joined automatically on all of their connections;
 * - `system`: everyone; system status and maintenance announcements.
 * Apps may use other kinds (`[a-z][a-z0-9_-]*`); the server's authorization hook decides who may join them.
 */
export const ROOM_PATTERN = /^[a-z][a-z0-9_-]{0,31}(?::[A-Za-z0-9_.@~|+=:-]{1,128})?$/;
export const SYSTEM_ROOM = 'system';

export type RoomKind = 'doc' | 'user' | 'system' | (string & {});

export function isValidRoom(room: unknown): room is string {
  return typeof room === 'string' && ROOM_PATTERN.test(room);
}

export function roomKind(room: string): RoomKind {
  const i = room.indexOf(':');
  return i < 0 ? room : room.slice(0, i);
}

export function roomId(room: string): string | undefined {
  const i = room.indexOf(':');
  return i < 0 ? undefined : room.slice(i + 1);
}

export const docRoom = (documentId: string): string => `doc:${documentId}`;
export const userRoom = (userId: string): string => `user:${userId}`;
