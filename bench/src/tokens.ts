import { SignJWT } from 'jose';

/** Signs an HS256 token with the claims Syncline reads: `sub` (user id), `name`, `exp` (two hours ahead). */
export function signToken(secret: string, userId: string): Promise<string> {
  return new SignJWT({ name: `bench ${userId}` })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(secret));
}
