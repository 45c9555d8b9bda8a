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
