/**
 * Signing in. Two ways, found at start:
 * - **dev mode** (the server has no secret configured): `POST /api/dev/token {name}` issues a token for a
 *   display name;
 * - **your identity provider**: set `window.SYNCLINE_TOKEN_URL` (e.g. in a `<script>` before Studio's) to an
 *   endpoint of your deployment that answers `GET` (with the user's cookies) with `{"token": "<jwt>"}`
 *   signed with the server's `SYNCLINE_JWT_SECRET` or a key of `SYNCLINE_JWKS_URL`; it is called again for
 *   each connection, so tokens can be short-lived. Or open Studio with `#token=<jwt>` (one token, no refresh).
 */

declare global {
  interface Window {
    SYNCLINE_TOKEN_URL?: string;
  }
}

export interface Identity {
  userId: string;
  name: string;
}

export type AuthMode =
  | { kind: 'dev' }
  | { kind: 'provider'; url: string }
  | { kind: 'fragment'; token: string };

const STORAGE_KEY = 'syncline.studio.session';
/** Refresh a cached token this long before it expires. */
const EXPIRY_MARGIN_S = 60;

interface Stored {
  mode: AuthMode;
  name?: string;
  token?: string;
}

interface Claims {
  sub?: string;
  name?: string;
  exp?: number;
}

export function decodeClaims(token: string): Claims {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    return JSON.parse(decodeURIComponent(escape(json))) as Claims;
  } catch {
    return {};
  }
}

/** How this deployment signs users in (an explicit token URL or fragment token wins over dev mode). */
export function configuredMode(): AuthMode | null {
  const fragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fragment) return { kind: 'fragment', token: fragment };
  const url = window.SYNCLINE_TOKEN_URL ?? new URLSearchParams(location.search).get('token_url');
  if (url) return { kind: 'provider', url };
  return null;
}

export class AuthError extends Error {}

/**
 * The session is over and cannot be renewed here: the token handed over in the URL has expired, or the identity
 * provider refuses a new one (401, 403) once the last one has. Not a lost connection: that one comes back by itself.
 */
export class SessionExpired extends AuthError {
  constructor() {
    super('Your session has expired: sign in again.');
  }
}

/** The signed-in user's tokens: fetched fresh for every connection, cached for HTTP calls. */
export class Auth {
  private cached: string | undefined;
  readonly identity: Identity;
  /** Whether the session has expired (see `SessionExpired`), for `subscribe`'s listeners. */
  private expiredNow = false;
  private readonly listeners = new Set<() => void>();
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly mode: AuthMode,
    private readonly name: string | undefined,
    token: string,
  ) {
    this.cached = token;
    const claims = decodeClaims(token);
    this.identity = { userId: claims.sub ?? 'unknown', name: claims.name ?? name ?? claims.sub ?? 'unknown' };
  }

  /** Signs in (`name` for dev mode) and remembers the session in this browser. */
  static async signIn(mode: AuthMode, name?: string): Promise<Auth> {
    const token = await fetchToken(mode, name);
    const auth = new Auth(mode, name, token);
    auth.save();
    if (mode.kind === 'fragment') history.replaceState(null, '', location.pathname + location.search);
    return auth;
  }

  /** The session saved by an earlier visit, usable offline (its token may be refreshed later). */
  static restore(): Auth | null {
    try {
      const raw = localStorage.getItem(STORAGE_KEY);
      if (!raw) return null;
      const stored = JSON.parse(raw) as Stored;
      if (!stored.token || !stored.mode) return null;
      return new Auth(stored.mode, stored.name, stored.token);
    } catch {
      return null;
    }
  }

  static forget(): void {
    localStorage.removeItem(STORAGE_KEY);
  }

  get modeKind(): AuthMode['kind'] {
    return this.mode.kind;
  }

  /**
   * Whether the session has expired: its token cannot be renewed (a token handed over in the URL, once its `exp` is
   * past: known from then on, before the server says so), or the identity provider refused a new one once the last one
   * had expired. A token had again (the provider's session back) ends it.
   */
  get expired(): boolean {
    return this.expiredNow;
  }

  /** Calls `listener` whenever `expired` changes; returns the unsubscribe. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.watchExpiry();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) clearTimeout(this.expiryTimer);
    };
  };

  private setExpired(expired: boolean): void {
    if (expired === this.expiredNow) return;
    this.expiredNow = expired;
    for (const listener of [...this.listeners]) listener();
  }

  /** A token handed over in the URL cannot be renewed: the session ends when it expires. */
  private watchExpiry(): void {
    if (this.mode.kind !== 'fragment' || this.cached === undefined) return;
    const { exp } = decodeClaims(this.cached);
    if (typeof exp !== 'number') return;
    const left = exp * 1000 - Date.now();
    if (left <= 0) this.setExpired(true);
    else this.expiryTimer = setTimeout(() => this.watchExpiry(), Math.min(left, 2 ** 31 - 1));
  }

  /**
   * A token: `fresh` asks the issuer for a new one (every WebSocket connection does: a restarted dev
   * server has a new secret); otherwise the cached one while it is valid. Falls back to the cached token
   * when the issuer cannot be reached.
   */
  async token(fresh = false): Promise<string> {
    const cached = this.cached;
    if (!fresh && cached && !expiresSoon(cached)) return cached;
    let token: string;
    try {
      token = await fetchToken(this.mode, this.name);
    } catch (error) {
      if (cached && !expiresSoon(cached, 0)) return cached;
      // Refused by the identity provider, with nothing valid left: the session is over (unreachable, it is not).
      if (error instanceof Refused) {
        this.setExpired(true);
        throw new SessionExpired();
      }
      throw error;
    }
    // The one handed over in the URL is all there is: past its time, nothing renews it.
    if (this.mode.kind === 'fragment' && expiresSoon(token, 0)) {
      this.setExpired(true);
      throw new SessionExpired();
    }
    this.cached = token;
    this.save();
    this.setExpired(false);
    return token;
  }

  private save(): void {
    const stored: Stored = { mode: this.mode, name: this.name, token: this.cached };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
  }
}

/** The identity provider answered that it will not give this browser a token (its own session is over). */
class Refused extends AuthError {}

function expiresSoon(token: string, marginS = EXPIRY_MARGIN_S): boolean {
  const { exp } = decodeClaims(token);
  return typeof exp === 'number' && exp - marginS < Date.now() / 1000;
}

/**
 * `fetch`, with no answer at all (offline, the server down: the browser's bare "Failed to fetch") said as a sentence a
 * user can act on; the sign-in form shows it as it is.
 */
async function reach(what: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new AuthError(`Could not reach ${what}: check your connection, then try again.`);
  }
}

async function fetchToken(mode: AuthMode, name: string | undefined): Promise<string> {
  if (mode.kind === 'fragment') return mode.token;
  if (mode.kind === 'provider') {
    const res = await reach('the sign-in service', mode.url, {
      credentials: 'include',
      headers: { accept: 'application/json' },
    });
    if (res.status === 401 || res.status === 403)
      throw new Refused(`the identity provider answered ${res.status}`);
    if (!res.ok) throw new AuthError(`the identity provider answered ${res.status}`);
    const body = (await res.json()) as { token?: unknown };
    if (typeof body.token !== 'string') throw new AuthError('the identity provider sent no token');
    return body.token;
  }
  const res = await reach('the server', '/api/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (res.status === 404) {
    throw new AuthError(
      'this server is not in dev mode: configure window.SYNCLINE_TOKEN_URL (see README) to sign in',
    );
  }
  const body = (await res.json().catch(() => ({}))) as { token?: string; error?: { message?: string } };
  if (!res.ok || !body.token) throw new AuthError(body.error?.message ?? `sign-in failed (${res.status})`);
  return body.token;
}
