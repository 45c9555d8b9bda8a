import { docRoom } from '@syncline/protocol';
import type { Hub } from '../core/hub.js';
import { type Identity, isAdmin } from '../core/identity.js';

/**
 * An app's rule for who may read a document's files (the uploaded PDF, its exports) and follow its jobs.
 * Return `true` / `false` to decide, `undefined` to fall back to the default rule.
 */
export type CanAccessDocument = (ctx: {
  user: Identity;
  documentId: string;
  ownerId: string | undefined;
}) => boolean | undefined | Promise<boolean | undefined>;

/**
 * Who may read a document's files and see its jobs. The default rule: the document's owner, an admin,
 * and any user who is in the document's room `doc:<id>` right now (joined or subscribed on this node, joined on
 * any node — which the app's `onJoin` hooks allowed). An app's `canAccess` hook decides first when it returns a
 * boolean.
 */
export class DocumentAccess {
  constructor(
    private readonly hub: Hub,
    private readonly hook?: CanAccessDocument,
  ) {}

  async allows(user: Identity, documentId: string, ownerId: string | undefined): Promise<boolean> {
    if (this.hook) {
      const decided = await this.hook({ user, documentId, ownerId });
      if (typeof decided === 'boolean') return decided;
    }
    if (isAdmin(user) || (ownerId !== undefined && user.userId === ownerId)) return true;
    const room = docRoom(documentId);
    return this.inRoom(user.userId, room) || (await this.presentElsewhere(user.userId, room));
  }

  /**
   * Several nodes: whether the user is present in the room (joined) on another node, as the broker's presence says.
   * Without it, a request for a file that a load balancer sent to another node than the user's socket was refused.
   * A broker that cannot answer refuses (the owner and admins are still let in).
   */
  private async presentElsewhere(userId: string, room: string): Promise<boolean> {
    const broker = this.hub.broker;
    if (!broker.distributed) return false;
    try {
      for (const users of (await broker.presenceOf(room)).values())
        if ((users.get(userId)?.connections ?? 0) > 0) return true;
    } catch {
      // the broker is away: refused, like a user in no room
    }
    return false;
  }

  /** Whether a session of this user is in the room now. */
  inRoom(userId: string, room: string): boolean {
    const r = this.hub.rooms.get(room);
    if (!r) return false;
    for (const sub of r.subs) if (sub.session.userId === userId) return true;
    return false;
  }
}
