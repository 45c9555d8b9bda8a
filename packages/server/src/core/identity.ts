import { ErrorCode, isStorableId } from '@syncline/protocol';
import { SynclineError } from './errors.js';

/** Who is on the other end of a connection, as established by authentication. */
export interface Identity {
  userId: string;
  name?: string;
  avatar?: string;
  /** Roles from the token (`roles` claim); `admin` may announce maintenance. */
  roles: readonly string[];
  /** Token expiry in seconds since epoch, if the token expires. */
  exp?: number;
  /** Every claim of the token, for hooks. */
  claims: Readonly<Record<string, unknown>>;
}

export const isAdmin = (id: Identity): boolean => id.roles.includes('admin');

/** A display text made storable: U+0000 removed, cut to `max` code units, no lone surrogate (a pair cut in two). */
export const storableText = (s: string, max: number): string =>
  s
    .replaceAll('\u0000', '')
    .slice(0, max)
    .replace(/[\uD800-\uDFFF]/gu, '');

/** Whether `userId` can be a user id: 1 to 128 characters, storable everywhere as it is (`isStorableId`). */
export const isValidUserId = (userId: unknown): userId is string =>
  typeof userId === 'string' && userId.length > 0 && userId.length <= 128 && isStorableId(userId);

/**
 * An identity an app's own authenticator made (`onAuthenticate`), held to the rules a token's is: a valid user id
 * (else `unauthorized`: stored as the log's `from`, op authors and owners, a U+0000 fails PostgreSQL's writes and a
 * lone surrogate reads back as another id), storable name and avatar, string roles.
 */
export function checkedIdentity(id: Identity): Identity {
  if (typeof id !== 'object' || id === null || !isValidUserId(id.userId)) {
    throw new SynclineError(ErrorCode.Unauthorized, 'the authenticator gave no valid user id');
  }
  const out: Identity = {
    ...id,
    roles: Array.isArray(id.roles) ? id.roles.filter((r) => typeof r === 'string') : [],
  };
  if (typeof id.name === 'string') out.name = storableText(id.name, 128);
  else delete out.name;
  if (typeof id.avatar === 'string') out.avatar = storableText(id.avatar, 2048);
  else delete out.avatar;
  if (typeof out.claims !== 'object' || out.claims === null) out.claims = {};
  return out;
}
