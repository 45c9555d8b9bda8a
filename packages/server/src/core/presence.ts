import type { PresenceMember } from '@syncline/protocol';
import type { Broker, NodePresence, PresenceChange } from '../broker/broker.js';
import type { Connection } from './connection.js';
import type { Identity } from './identity.js';
import type { Logger } from './logger.js';
import type { Room } from './room.js';
import type { Session } from './session.js';
import type { SmallSet } from './small-set.js';

/** What presence needs of the hub. */
export interface PresenceHost {
  readonly rooms: Map<string, Room>;
  /** Every session, attached or not. */
  readonly sessions: Map<string, Session>;
  room(name: string): Room;
  readonly broker: Broker;
  readonly userConnections: Map<string, SmallSet<Connection>>;
  readonly log: Logger;
  publish(roomName: string, type: string, data: unknown): Promise<unknown>;
  readonly clock: { now(): number };
  readonly limits: { readonly presenceCountSettleMs: number };
}

/**
 * Who is in each room, per user: the sessions that joined it count (a user's first makes `user_join`, the last
 * to go `user_leave`), whether the user is idle (all of those sessions said so) and on how many connections (tabs,
 * devices); a change of either makes `user_status`. With several nodes the broker keeps every node's count, and
 * the cluster-wide first join and last leave are announced once.
 */
export class Presence {
  /**
   * Per room, the users whose presence write to the broker failed (its command connection was lost): this node's
   * presence of them is written again, as it is by then, once that connection is back (`resend`). Without it a lost
   * write waited for a reconnect of the broker's subscriber, and a lost leave was never written again at all: the
   * user stayed present cluster-wide for as long as this node lived.
   */
  private unsent: Map<string, Set<string>> | null = null;
  /** Rooms with users whose count went down, each with when (`presenceCountSettleMs`): looked at again by `settle`. */
  private lower = new Map<Room, Map<string, number>>();

  constructor(private readonly hub: PresenceHost) {}

  /** Turns a session's presence on or off in every room it joined, emitting user_join / user_leave. */
  setPresent(session: Session, present: boolean): void {
    if (session.present === present) return;
    session.present = present;
    for (const sub of session.subs.values()) {
      if (sub.mode === 'join') this.change(session, sub.room.name, present ? 1 : -1);
    }
  }

  /** A session of a user starts (+1) or stops (-1) counting in a room's presence. */
  change(session: Session, roomName: string, delta: 1 | -1): void {
    const room = this.hub.room(roomName);
    const userId = session.userId;
    const members = (room.members ??= new Map());
    const before = members.get(userId) ?? 0;
    const after = before + delta;
    if (after <= 0) members.delete(userId);
    else members.set(userId, after);
    if (session.idle) countIdle(room, userId, delta);
    if (after <= 0 && !this.presentElsewhere(room, userId)) room.idleUsers?.delete(userId);
    const broker = this.hub.broker;
    if (!broker.distributed) {
      if (before === 0 && after > 0) this.announce(roomName, userId, true, session);
      else if (before > 0 && after <= 0) this.announce(roomName, userId, false, session);
      if (after > 0) this.refreshStatus(room, userId);
      return;
    }
    // Several nodes: user_join / user_leave once per user for the whole cluster (the broker says when).
    const presence = after > 0 ? this.nodePresence(roomName, userId, session) : null;
    Promise.resolve(broker.setPresence(roomName, userId, presence)).then(
      (change) => {
        this.announceChange(room, userId, change, session);
        if (after > 0 || this.presentElsewhere(room, userId)) this.refreshStatus(room, userId);
      },
      (err) => this.failed(roomName, userId, err),
    );
  }

  /**
   * The client of `session` says its user is idle (away: the page hidden, no input for a while) or active again.
   * In every room the session joined, the user's status is idle when all of their sessions there are idle
   * (cluster-wide), and `user_status` is published when that changes.
   */
  setStatus(session: Session, idle: boolean): void {
    if (session.idle === idle) return;
    session.idle = idle;
    if (!session.present) return; // counted when it goes present
    for (const sub of session.subs.values()) {
      if (sub.mode !== 'join') continue;
      countIdle(sub.room, session.userId, idle ? 1 : -1);
      this.rewrite(sub.room, session);
    }
  }

  /**
   * A present session got or lost its connection (its socket closed, or it was resumed within the presence grace):
   * its user's number of connections changed in every room it joined, which `user_status` announces. A session kept
   * only by the grace counts in presence but not as a connection, so a reload (the old page's session kept, a new
   * one joining) does not show the user on two devices.
   */
  connectionsChanged(session: Session): void {
    if (!session.present) return;
    for (const sub of session.subs.values()) if (sub.mode === 'join') this.rewrite(sub.room, session);
  }

  /** The session's presence in `room` changed but not whether it counts: written for other nodes, and announced. */
  private rewrite(room: Room, session: Session): void {
    if (!this.hub.broker.distributed) {
      this.refreshStatus(room, session.userId);
      return;
    }
    const presence = this.nodePresence(room.name, session.userId, session);
    Promise.resolve(this.hub.broker.setPresence(room.name, session.userId, presence)).then(
      (change) => {
        // Normally none; a join whose reply was lost can be answered here (see `Broker.setPresence`).
        this.announceChange(room, session.userId, change, session);
        this.refreshStatus(room, session.userId);
      },
      (err) => this.failed(room.name, session.userId, err),
    );
  }

  /**
   * How many connections of the user are in the room (joined), on every node: a session kept present only by the
   * presence grace (its socket closed) counts in presence but not here. A session is counted once: one resumed here
   * from another node is still listed by that node until it notices (or, dead, is reaped), and one tab is not two.
   */
  private connectionsOf(room: Room, userId: string): number {
    const ids = new Set(this.liveSessionIds(room.name, userId));
    let others = 0; // of nodes that do not list their sessions (older ones)
    for (const users of room.remote?.values() ?? []) {
      const p = users.get(userId);
      if (!p || p.connections <= 0) continue;
      if (p.liveIds) for (const id of p.liveIds) ids.add(id);
      else others += p.live ?? p.connections;
    }
    return ids.size + others;
  }

  /** Whether one of this node's connections of the user has a present, active session that joined the room. */
  private liveActiveHere(roomName: string, userId: string): boolean {
    for (const c of this.hub.userConnections.get(userId) ?? []) {
      const s = c.session;
      if (s !== null && s.conn === c && s.present && !s.idle && s.subs.get(roomName)?.mode === 'join')
        return true;
    }
    return false;
  }

  /** The ids of the present sessions of the user that joined the room and have a connection on this node. */
  private liveSessionIds(roomName: string, userId: string): string[] {
    const ids: string[] = [];
    for (const c of this.hub.userConnections.get(userId) ?? []) {
      const s = c.session;
      if (s !== null && s.conn === c && s.present && s.subs.get(roomName)?.mode === 'join') ids.push(s.id);
    }
    return ids;
  }

  /**
   * A user's status in a room. While any of their sessions there, on any node, has a connection, those decide: idle
   * when every one of them is idle (a tab that closed, kept present by the grace, no longer counts). With none
   * (a reload, a reconnect) or when `kept` (a lost connection not settled yet, see `refreshStatus`), every session
   * the grace keeps decides too, so the status does not flicker.
   */
  private statusOf(room: Room, userId: string, kept = false): 'active' | 'idle' {
    if (!kept && this.connectionsOf(room, userId) > 0) {
      if (this.liveActiveHere(room.name, userId)) return 'active';
      for (const users of room.remote?.values() ?? []) {
        const p = users.get(userId);
        if (p && p.connections > 0 && (p.live ?? p.connections) > 0 && !(p.liveIdle ?? p.idle))
          return 'active';
      }
      return 'idle';
    }
    const here = room.members?.get(userId) ?? 0;
    if (here > (room.idleSessions?.get(userId) ?? 0)) return 'active';
    for (const users of room.remote?.values() ?? []) {
      const p = users.get(userId);
      if (p && p.connections > 0 && !p.idle) return 'active';
    }
    return 'idle';
  }

  /** Whether another node has the user present in the room. */
  private presentElsewhere(room: Room, userId: string): boolean {
    for (const users of room.remote?.values() ?? [])
      if ((users.get(userId)?.connections ?? 0) > 0) return true;
    return false;
  }

  /**
   * Compares a present user's status and number of connections with those last announced in the room and, when
   * either changed, records them; the node that leads the user in the room (`leads`) also publishes `user_status`
   * with both. Every node keeps the record, whichever node made the change, so the next leader goes on from it.
   * No connection at all (a reload, a reconnect: the user is kept present by the grace) changes nothing announced,
   * and fewer connections are announced once that has lasted (`presenceCountSettleMs`).
   */
  private refreshStatus(room: Room, userId: string, again = false): void {
    if (room.remoteLoading) return; // `refreshAll` once the other nodes' presence is in
    if ((room.members?.get(userId) ?? 0) === 0 && !this.presentElsewhere(room, userId)) {
      room.idleUsers?.delete(userId);
      room.shownConnections?.delete(userId);
      room.recordedOnly?.delete(userId);
      this.settled(room, userId);
      return;
    }
    const wasIdle = room.idleUsers?.has(userId) ?? false;
    const shown = room.shownConnections?.get(userId) ?? 1;
    let connections = this.connectionsOf(room, userId) || shown;
    let kept = false;
    if (connections < shown) {
      // Fewer connections: said once that has lasted `presenceCountSettleMs` (`settle`); until then the count shown
      // stands, and so does the status the lost connection's session gave (a reload of the active tab is no change).
      const waiting = this.lower.get(room) ?? new Map<string, number>();
      this.lower.set(room, waiting);
      const since = waiting.get(userId) ?? this.hub.clock.now();
      waiting.set(userId, since);
      if (this.hub.clock.now() - since < this.hub.limits.presenceCountSettleMs) {
        connections = shown;
        kept = true;
      } else this.settled(room, userId);
    } else this.settled(room, userId);
    const status = this.statusOf(room, userId, kept);
    // Said again (`again`) unless a lower count is waiting to settle: that announcement, coming, says the status too.
    if ((!again || kept) && (status === 'idle') === wasIdle && connections === shown) return;
    if (status === 'idle') (room.idleUsers ??= new Set()).add(userId);
    else room.idleUsers?.delete(userId);
    if (connections === 1) room.shownConnections?.delete(userId);
    else (room.shownConnections ??= new Map()).set(userId, connections);
    if (!this.leads(room, userId)) {
      (room.recordedOnly ??= new Set()).add(userId); // the leader says it (see `nodeGone`)
      return;
    }
    room.recordedOnly?.delete(userId);
    const documentId = room.name.startsWith('doc:') ? room.name.slice(4) : undefined;
    this.hub
      .publish(room.name, 'user_status', {
        userId,
        status,
        connections,
        ...(documentId ? { documentId } : {}),
      })
      .catch((err) => this.hub.log.error({ err, room: room.name }, 'presence status event failed'));
  }

  /** No lower count of the user waits in the room any more. */
  private settled(room: Room, userId: string): void {
    const waiting = this.lower.get(room);
    if (waiting?.delete(userId) && waiting.size === 0) this.lower.delete(room);
  }

  /** The hub's tick: counts that went down `presenceCountSettleMs` ago or more and are still down are announced. */
  settle(): void {
    const now = this.hub.clock.now();
    for (const [room, waiting] of [...this.lower]) {
      if (this.hub.rooms.get(room.name) !== room) {
        this.lower.delete(room); // unloaded
        continue;
      }
      for (const [userId, since] of [...waiting])
        if (now - since >= this.hub.limits.presenceCountSettleMs) this.refreshStatus(room, userId);
    }
  }

  /** This node's presence of a user in a room, as other nodes see it. */
  private nodePresence(roomName: string, userId: string, session?: Session): NodePresence {
    const identity = session?.identity ?? this.localIdentity(roomName, userId);
    const room = this.hub.rooms.get(roomName);
    const connections = room?.members?.get(userId) ?? 0;
    const liveIds = this.liveSessionIds(roomName, userId);
    const p: NodePresence = { connections, live: liveIds.length, liveIds };
    if (identity?.name !== undefined) p.name = identity.name;
    if (identity?.avatar !== undefined) p.avatar = identity.avatar;
    if (connections > 0 && (room?.idleSessions?.get(userId) ?? 0) >= connections) p.idle = true;
    if (p.live && !this.liveActiveHere(roomName, userId)) p.liveIdle = true;
    return p;
  }

  private localIdentity(roomName: string, userId: string): Identity | undefined {
    return this.localSession(roomName, userId)?.identity;
  }

  /**
   * A session of the user in the room on this node: one with a connection, else one the presence grace keeps
   * present after its socket closed (it has no connection to be found by, but it is what keeps the user in the
   * room, and presence written or announced for it must still carry the user's name and avatar).
   */
  private localSession(roomName: string, userId: string): Session | null {
    for (const c of this.hub.userConnections.get(userId) ?? []) {
      if (c.session?.subs.get(roomName)) return c.session;
    }
    if ((this.hub.rooms.get(roomName)?.members?.get(userId) ?? 0) === 0) return null;
    // NOTE: a scan of every session, made only for a user present here through disconnected sessions alone.
    for (const s of this.hub.sessions.values()) {
      if (s.conn === null && s.present && s.userId === userId && s.subs.get(roomName)?.mode === 'join')
        return s;
    }
    return null;
  }

  /** Announces what a presence write answered (`Broker.setPresence`), if anything. */
  private announceChange(room: Room, userId: string, change: PresenceChange, session: Session | null): void {
    if (change === null) return;
    // A join says "active": an idle user's status is announced again after it (`refreshStatus`).
    if (change === 'join') room.idleUsers?.delete(userId);
    this.announce(room.name, userId, change === 'join', session);
  }

  /** Publishes user_join / user_leave (`userGone`: another node's last session of the user left). */
  announce(roomName: string, userId: string, joined: boolean, session: Session | null): void {
    // A join says one connection (a later count comes as `user_status`); a leave, none.
    this.hub.rooms.get(roomName)?.shownConnections?.delete(userId);
    const documentId = roomName.startsWith('doc:') ? roomName.slice(4) : undefined;
    const publish = (type: 'user_join' | 'user_leave', data: Record<string, unknown>) =>
      this.hub
        .publish(roomName, type, documentId ? { ...data, documentId } : data)
        .catch((err) => this.hub.log.error({ err, room: roomName }, 'presence event failed'));
    if (joined) {
      // No session here: a join owed by a lost write of this node, for a user other nodes still have.
      const { name, avatar } = session?.identity ?? this.remotePresence(roomName, userId) ?? {};
      publish('user_join', {
        userId,
        ...(name !== undefined ? { userName: name } : {}),
        ...(avatar !== undefined ? { avatar } : {}),
      });
    } else {
      publish('user_leave', { userId });
    }
  }

  /** Another node's presence of a user in a room (with their name and avatar), if any. */
  private remotePresence(roomName: string, userId: string): NodePresence | undefined {
    for (const users of this.hub.rooms.get(roomName)?.remote?.values() ?? []) {
      const p = users.get(userId);
      if (p && p.connections > 0) return p;
    }
    return undefined;
  }

  /** Who is present in a room: one entry per user, with how many of their connections are in it (every node's). */
  members(roomName: string): PresenceMember[] {
    const room = this.hub.rooms.get(roomName);
    const out: PresenceMember[] = [];
    if (!room?.members && !room?.remote) return out;
    const add = (userId: string, identity: { name?: string; avatar?: string } | undefined) => {
      const m: PresenceMember = { userId, connections: this.connectionsOf(room, userId) };
      if (identity?.name !== undefined) m.userName = identity.name;
      if (identity?.avatar !== undefined) m.avatar = identity.avatar;
      if (this.statusOf(room, userId) === 'idle') m.status = 'idle';
      out.push(m);
    };
    const seen = new Set<string>();
    for (const [userId] of room.members ?? []) {
      seen.add(userId);
      add(userId, this.localSession(roomName, userId)?.identity);
    }
    // Other nodes' users: one entry per user.
    for (const users of room.remote?.values() ?? []) {
      for (const [userId, p] of users) {
        if (p.connections <= 0 || seen.has(userId)) continue;
        seen.add(userId);
        add(userId, p);
      }
    }
    return out;
  }

  /** Another node's presence of a user in a room changed (the broker): its status may have too. */
  heard(room: Room, userId: string): void {
    this.refreshStatus(room, userId);
  }

  /**
   * Node `node`, which had sessions of the user in the room, is gone (closed, reaped). If it led the user there (a
   * smaller id than this node's), a change recorded here since may never have been published: every node records a
   * change, only the leader publishes it, and a leader killed before its publish (or dead, not yet reaped) published
   * nothing. So the node that leads now says the user's status again (the same event twice is harmless).
   */
  nodeGone(room: Room, userId: string, node: string): void {
    const unsaid = room.recordedOnly?.has(userId) === true;
    this.refreshStatus(room, userId, unsaid && node < this.hub.broker.nodeId);
  }

  /** The other nodes' presence in the room was read (`Room.remoteLoading`): every user's status and count. */
  refreshAll(room: Room): void {
    const users = new Set(room.members?.keys());
    for (const byUser of room.remote?.values() ?? []) for (const u of byUser.keys()) users.add(u);
    for (const u of room.idleUsers ?? []) users.add(u);
    for (const u of room.shownConnections?.keys() ?? []) users.add(u);
    for (const u of users) this.refreshStatus(room, u);
  }

  /**
   * Whether this node announces the user's status in the room: it has sessions of the user there and, of the
   * nodes that do (as far as it has heard), the smallest id. So a change is announced once, by one node, whichever
   * node's session made it (the others hear of it and only record it).
   */
  private leads(room: Room, userId: string): boolean {
    if ((room.members?.get(userId) ?? 0) === 0) return false;
    const me = this.hub.broker.nodeId;
    for (const [node, users] of room.remote ?? []) {
      if (node < me && (users.get(userId)?.connections ?? 0) > 0) return false;
    }
    return true;
  }

  /**
   * After the broker reconnected (or found this node reaped): this node's presence in the room is written again.
   * Where that makes a user present again cluster-wide, the user's presence had been lost: a reaper announced
   * their `user_leave` (or a restarted Redis forgot them), so `user_join` is announced again, once per user (the
   * broker says "changed" to one node only), and their idle status after it, as for a user who joins idle.
   */
  restore(room: Room): void {
    for (const [userId] of room.members ?? []) this.reassert(room.name, userId);
  }

  /** The broker's command connection is back: the presence writes it lost are made again (see `unsent`). */
  resend(): void {
    const unsent = this.unsent;
    if (unsent === null) return;
    this.unsent = null;
    for (const [roomName, users] of unsent) for (const userId of users) this.reassert(roomName, userId);
  }

  /**
   * Writes this node's presence of a user in a room as it is now (none, if the user is gone from it here), and
   * announces what that changes cluster-wide: the write had been lost (the broker's connection, a reaper that
   * announced the user's leave, a restarted Redis that forgot it), so the change it makes was never announced.
   * Once per user: the broker says "changed" to one write only.
   */
  private reassert(roomName: string, userId: string): void {
    const room = this.hub.rooms.get(roomName);
    const present = (room?.members?.get(userId) ?? 0) > 0;
    const presence = present ? this.nodePresence(roomName, userId) : null;
    Promise.resolve(this.hub.broker.setPresence(roomName, userId, presence)).then(
      (change) => {
        if (change) {
          const session = change === 'join' ? this.localSession(roomName, userId) : null;
          if (room) this.announceChange(room, userId, change, session);
          else this.announce(roomName, userId, change === 'join', session);
        }
        if (room && this.hub.rooms.get(roomName) === room) this.refreshStatus(room, userId);
      },
      (err) => this.failed(roomName, userId, err),
    );
  }

  /** A presence write failed: made again once the broker's command connection is back. */
  private failed(roomName: string, userId: string, err: unknown): void {
    this.hub.log.warn({ err: String(err), room: roomName }, 'cluster presence update failed');
    const unsent = (this.unsent ??= new Map());
    let users = unsent.get(roomName);
    if (!users) unsent.set(roomName, (users = new Set()));
    users.add(userId);
  }
}
/** Counts a session of `userId` in or out of the room's idle sessions. */
function countIdle(room: Room, userId: string, delta: number): void {
  const idle = (room.idleSessions ??= new Map());
  const n = (idle.get(userId) ?? 0) + delta;
  if (n <= 0) idle.delete(userId);
  else idle.set(userId, n);
}
