import { createHmac } from 'node:crypto';
import { ErrorCode } from '@syncline/protocol';
import { errors, jwtVerify, SignJWT } from 'jose';
import { SynclineError } from '../core/errors.js';

/** How long a download link works by default: long enough to start a download, too short to be worth stealing. */
export const DEFAULT_LINK_TTL_MS = 60_000;

/** The audience of download tickets: a session token (no such `aud`) is never taken for one, nor the reverse. */
const AUDIENCE = 'syncline:download';
/** Context of the key derivation; a new version makes every outstanding link invalid. */
const KEY_CONTEXT = 'syncline download links v1';

export interface DownloadLinkOptions {
  /**
   * The secret the links' key is derived from. Every node that may serve a link another node made needs the same
   * one (the server uses the JWT secret, or the dev secret, unless given its own).
   */
  secret: string;
  /** How long a link works, in ms. Default 60 s. */
  ttlMs?: number;
  /** Seconds of clock skew between nodes tolerated on the expiry. Default 5. */
  clockToleranceS?: number;
  /** The clock (ms since the epoch). Default `Date.now`. */
  now?: () => number;
}

/**
 * Short-lived, single-purpose download tickets: an HS256 JWT naming the user it was issued to (`sub`), the one file it
 * opens (`res`, e.g. `export:<id>`) and its expiry, signed with a key derived from a server-side secret (never the
 * secret itself, so a ticket is no session token and a session token no ticket). The access check is done when the
 * ticket is issued (the user authenticated with `Authorization`); the ticket then carries it for its lifetime, on any
 * node sharing the secret.
 */
export class DownloadLinks {
  readonly ttlMs: number;
  private readonly key: Uint8Array;
  private readonly clockToleranceS: number;
  private readonly now: () => number;

  constructor(opts: DownloadLinkOptions) {
    if (!opts.secret) throw new Error('DownloadLinks needs a secret');
    const ttlMs = opts.ttlMs ?? DEFAULT_LINK_TTL_MS;
    if (!Number.isFinite(ttlMs) || ttlMs < 1000) throw new Error('download link ttlMs must be at least 1000');
    this.ttlMs = ttlMs;
    this.key = deriveLinkKey(opts.secret);
    this.clockToleranceS = opts.clockToleranceS ?? 5;
    this.now = opts.now ?? Date.now;
  }

  /** A ticket for `userId` to fetch `resource`, and when it expires (ms since the epoch, whole seconds). */
  async issue(userId: string, resource: string): Promise<{ ticket: string; expiresAt: number }> {
    const now = this.now();
    const exp = Math.ceil((now + this.ttlMs) / 1000);
    const ticket = await new SignJWT({ res: resource })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(exp)
      .sign(this.key);
    return { ticket, expiresAt: exp * 1000 };
  }

  /**
   * The user a ticket was issued to, when it is genuine, unexpired and for `resource`; else `link_expired` or
   * `link_invalid`.
   */
  async verify(ticket: string, resource: string): Promise<string> {
    let payload: { sub?: unknown; res?: unknown };
    try {
      ({ payload } = await jwtVerify(ticket, this.key, {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        clockTolerance: this.clockToleranceS,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) {
        throw new SynclineError(ErrorCode.LinkExpired, 'the download link has expired: ask for a new one');
      }
      throw new SynclineError(ErrorCode.LinkInvalid, 'the download link is not valid');
    }
    if (payload.res !== resource) {
      throw new SynclineError(ErrorCode.LinkInvalid, 'the download link is for another file');
    }
    return payload.sub as string;
  }
}

/** HMAC-SHA256 of a fixed context under the secret: a key of its own for links. */
export function deriveLinkKey(secret: string): Uint8Array {
  return new Uint8Array(createHmac('sha256', secret).update(KEY_CONTEXT).digest());
}
