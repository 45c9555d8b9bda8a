import type { JobPermissions } from '@syncline/protocol';
import { type Identity, isAdmin } from '../core/identity.js';

const ALL: JobPermissions = Object.freeze({ cancel: true, retry: true });
const NONE: JobPermissions = Object.freeze({ cancel: false, retry: false });

/**
 * Who may cancel or retry a job: its owner (who uploaded or exported), the owner of its document, and admins. Being
 * in the document's room is enough to follow a job, not to stop it. `documentOwnerId` is the document's owner by
 * `documentOwner` (the catalogue's, else a blank document's creator), `undefined` when it has none.
 */
export function jobPermissions(
  user: Identity,
  job: { ownerId: string },
  documentOwnerId: string | undefined,
): JobPermissions {
  const controls = job.ownerId === user.userId || isAdmin(user) || documentOwnerId === user.userId;
  return controls ? ALL : NONE;
}
