import { ErrorCode } from '@syncline/protocol';
import { describe, expect, it } from 'vitest';
import { SynclineError } from './errors.js';
import { RoomRegistry } from './rooms.js';

const ev = (room: string, seq?: number) => ({ room, seq });

describe('RoomRegistry', () => {
  it('drops events at or below the last seq seen in their room', () => {
    const rooms = new RoomRegistry();
    rooms.enter('doc:1', 'join').catch(() => {});
    rooms.entered('doc:1', { room: 'doc:1', seq: 5, status: 'fresh' });
    const accepted = [5, 6, 7, 6, 7, 8].map((seq) => rooms.accept(ev('doc:1', seq)));
    expect(accepted).toEqual([false, true, true, false, false, true]);
    expect(rooms.lastSeq('doc:1')).toBe(8);
    expect(rooms.accept(ev('doc:1'))).toBe(true); // ephemeral: no seq
    expect(rooms.accept(ev('doc:2', 1))).toBe(true); // unknown room: nothing to compare with
  });

  it('keeps the app’s `since` for a resumed room so the replay is accepted', () => {
    const rooms = new RoomRegistry();
    rooms.enter('doc:1', 'subscribe', { since: 3 }).catch(() => {});
    rooms.entered('doc:1', { room: 'doc:1', seq: 10, status: 'resumed' });
    expect(rooms.accept(ev('doc:1', 4))).toBe(true);
    expect(rooms.command('doc:1')).toEqual({ type: 'subscribe', room: 'doc:1', since: 4 });
  });

  it('continues from the seq a reset gives', () => {
    const rooms = new RoomRegistry();
    rooms.enter('doc:1', 'join', { since: 3 }).catch(() => {});
    rooms.reset('doc:1', 100);
    expect(rooms.accept(ev('doc:1', 100))).toBe(false);
    expect(rooms.accept(ev('doc:1', 101))).toBe(true);
  });

  it('lists every room with mode, types and last seq for hello', () => {
    const rooms = new RoomRegistry();
    rooms.enter('doc:1', 'join', { since: 7, types: ['zone_update'] }).catch(() => {});
    rooms.enter('doc:2', 'subscribe').catch(() => {});
    expect(rooms.helloRooms()).toEqual([
      { room: 'doc:1', mode: 'join', since: 7, types: ['zone_update'] },
      { room: 'doc:2', mode: 'subscribe' },
    ]);
  });

  it('forgets a refused room but keeps one whose entry failed transiently, with its last seq', async () => {
    const rooms = new RoomRegistry();
    const first = rooms.enter('doc:1', 'join');
    rooms.entered('doc:1', { room: 'doc:1', seq: 5, status: 'fresh' });
    await first;
    rooms.accept(ev('doc:1', 6));
    // A silently dead socket: the re-entry times out. The room and its place stay, so the retry resumes.
    const retry = rooms.enter('doc:1', 'join');
    rooms.refused('doc:1', new SynclineError(ErrorCode.Timeout, 'no reply'), rooms.token('doc:1'));
    await expect(retry).rejects.toMatchObject({ code: 'timeout' });
    expect(rooms.command('doc:1')).toEqual({ type: 'join_room', room: 'doc:1', since: 6 });
    expect(rooms.helloRooms()).toEqual([{ room: 'doc:1', mode: 'join', since: 6 }]);
    const again = rooms.enter('doc:1', 'join');
    rooms.refused('doc:1', new SynclineError(ErrorCode.Forbidden, 'no'), rooms.token('doc:1'));
    await expect(again).rejects.toMatchObject({ code: 'forbidden' });
    expect(rooms.has('doc:1')).toBe(false);
  });

  it('applies a welcome: resolves waiters, remembers automatic rooms, reports refused ones', async () => {
    const rooms = new RoomRegistry();
    const kept = rooms.enter('doc:1', 'join');
    const refused = rooms.enter('doc:2', 'join');
    rooms.helloRooms();
    const late = rooms.enter('doc:3', 'join'); // after hello was sent
    const outcome = rooms.applyWelcome([
      { room: 'doc:1', seq: 4, status: 'fresh' },
      { room: 'user:u1', seq: 2, status: 'fresh' },
    ]);
    expect(outcome).toEqual({ refused: ['doc:2'], enter: ['doc:3'], leave: [] });
    await expect(kept).resolves.toEqual({ room: 'doc:1', seq: 4, status: 'fresh' });
    await expect(refused).rejects.toMatchObject({ code: 'forbidden' });
    expect(rooms.lastSeq('user:u1')).toBe(2);
    expect(rooms.helloRooms().map((r) => r.room)).toEqual(['doc:1', 'doc:3', 'user:u1']);
    rooms.rejectAll(new Error('closed') as never);
    await expect(late).rejects.toThrow('closed');
  });

  it('lists at most `limit` rooms in hello; the others are entered after the welcome', () => {
    const rooms = new RoomRegistry();
    for (const n of [1, 2, 3]) rooms.enter(`doc:${n}`, 'join').catch(() => {});
    expect(rooms.helloRooms(2).map((r) => r.room)).toEqual(['doc:1', 'doc:2']);
    const outcome = rooms.applyWelcome([
      { room: 'doc:1', seq: 0, status: 'fresh' },
      { room: 'doc:2', seq: 0, status: 'fresh' },
    ]);
    expect(outcome).toEqual({ refused: [], enter: ['doc:3'], leave: [] });
  });

  it('asks to leave a room left while the handshake was under way', () => {
    const rooms = new RoomRegistry();
    rooms.enter('doc:1', 'subscribe').catch(() => {});
    rooms.helloRooms();
    expect(rooms.leave('doc:1')).toBe('subscribe');
    const outcome = rooms.applyWelcome([{ room: 'doc:1', seq: 0, status: 'fresh' }]);
    expect(outcome.leave).toEqual([{ room: 'doc:1', mode: 'subscribe' }]);
    expect(rooms.has('doc:1')).toBe(false);
  });

  it('forgets automatic rooms the server no longer gives (another user)', () => {
    const rooms = new RoomRegistry();
    rooms.helloRooms();
    rooms.applyWelcome([{ room: 'user:u1', seq: 0, status: 'fresh' }]);
    rooms.helloRooms();
    const outcome = rooms.applyWelcome([{ room: 'user:u2', seq: 0, status: 'fresh' }]);
    expect(outcome.refused).toEqual([]);
    expect(rooms.has('user:u1')).toBe(false);
    expect(rooms.has('user:u2')).toBe(true);
  });
});
