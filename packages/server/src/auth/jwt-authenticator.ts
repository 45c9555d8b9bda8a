import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode } from '@syncline/protocol';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { SynclineError } from '../core/errors.js';
import { type Identity, isValidUserId, storableText } from '../core/identity.js';
import { VerifiedTokens } from './verified-tokens.js';

export interface JwtOptions {
  /** HS256 shared secret. */
  secret?: string;
  /** JWKS URL for RS256 / ES256 keys (the identity provider's). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Seconds of clock skew tolerated on `exp` / `nbf`. */
  clockToleranceS?: number;
  /**
   * Dev mode only (no `secret` / `jwksUrl`): the secret dev tokens are signed with. Default: random per process;
   * several dev nodes behind one balancer must share one.
   */
  devSecret?: string;
  /** The clock tokens are checked against (ms since epoch). Default `Date.now`. */
  now?: () => number;
}

const NO_ROLES: readonly string[] = Object.freeze([]);

export type TokenVerifier = (token: string) => Promise<Identity>;

/**
 * A name or avatar as stored alike everywhere, cut at `max` UTF-16 units: without U+0000, which PostgreSQL's text
 * cannot hold, nor lone surrogates (one sent, or a pair the cut split), which PostgreSQL and SQLite read back as U+FFFD
 * and memory as they are. (A user id with either is refused instead.)
 */
export function identityFromClaims(p: JWTPayload): Identity {
  // The user id is stored (the log's `from`, op authors, owners): U+0000 or a lone surrogate in it would fail its
  // writes on PostgreSQL or read back as another id on PostgreSQL and SQLite than in memory (`isStorableId`).
  if (!isValidUserId(p.sub)) {
    throw new SynclineError(ErrorCode.Unauthorized, 'token has no valid sub claim');
  }
  let roles: readonly string[] = NO_ROLES;
  if (Array.isArray(p.roles) || typeof p.role === 'string') {
    const list = Array.isArray(p.roles) ? p.roles.filter((r): r is string => typeof r === 'string') : [];
    if (typeof p.role === 'string') list.push(p.role);
    roles = list;
  }
  const id: Identity = { userId: p.sub, roles, claims: p };
  if (typeof p.name === 'string') id.name = storableText(p.name, 128);
  const avatar = p.picture ?? p.avatar;
  if (typeof avatar === 'string') id.avatar = storableText(avatar, 2048);
  if (typeof p.exp === 'number') id.exp = p.exp;
  return id;
}

/**
 * Verifies JWTs with `jose`: HS256 with a secret, or RS256/ES256 keys from a JWKS URL. A token verified in
 * the last minute is not verified again (`VerifiedTokens`).
 */
export function createJwtVerifier(opts: JwtOptions): TokenVerifier {
  const now = opts.now ?? Date.now;
  const verified = new VerifiedTokens(now);
  const verifyOpts = {
    issuer: opts.issuer,
    audience: opts.audience,
    clockTolerance: opts.clockToleranceS ?? 5,
    get currentDate() {
      return new Date(now());
    },
  };
  let verify: (token: string) => Promise<JWTPayload>;
  if (opts.secret) {
    const key = new TextEncoder().encode(opts.secret);
    verify = async (t) => (await jwtVerify(t, key, { ...verifyOpts, algorithms: ['HS256'] })).payload;
  } else if (opts.jwksUrl) {
    const jwks = createRemoteJWKSet(new URL(opts.jwksUrl));
    verify = async (t) =>
      (await jwtVerify(t, jwks, { ...verifyOpts, algorithms: ['RS256', 'ES256'] })).payload;
  } else {
    throw new Error('createJwtVerifier needs a secret or a jwksUrl');
  }
  return async (token) => {
    const known = verified.get(token);
    if (known !== undefined) return known;
    try {
      // Frozen and shared by every connection of the token (one object each was ~50 bytes per idle connection).
      const identity = Object.freeze(identityFromClaims(await verify(token)));
      verified.set(token, identity);
      return identity;
    } catch (err) {
      if (err instanceof SynclineError) throw err;
      if (err instanceof errors.JWTExpired) throw new SynclineError(ErrorCode.TokenExpired, 'token expired');
      throw new SynclineError(ErrorCode.Unauthorized, 'invalid token');
    }
  };
}

/**
 * The dev-mode user id of a name: `dev-` and its slug (accents dropped, lower case, runs of other characters as `-`),
 * as a room id can hold it. A name the slug cannot spell whole (Иван, 李雷) gets 8 hex digits of its hash too: all of
 * them became `dev-user` (and Zoë and Zoe one user), so different people shared one account.
 */
export function devUserId(name: string): string {
  const plain = name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  const slug = plain.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  // Spelled whole: only ASCII letters and digits, separated by what any separator stands for.
  if (slug !== '' && plain === name.toLowerCase() && /^[\x20-\x7e]*$/.test(plain)) return `dev-${slug}`;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `dev-${slug === '' ? 'user' : slug}-${hash}`;
}

/**
 * Dev mode: a random secret made at start, and tokens issued to anyone who names themselves.
 * Never used once a secret or JWKS is configured.
 */
export class DevTokenIssuer {
  constructor(readonly secret: string = randomBytes(32).toString('base64url')) {}

  async issue(name: string, ttlS = 12 * 3600): Promise<{ token: string; userId: string }> {
    const clean = name.trim().slice(0, 64);
    const userId = devUserId(clean);
    const token = await new SignJWT({ name: clean })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(`${ttlS}s`)
      .sign(new TextEncoder().encode(this.secret));
    return { token, userId };
  }
}
