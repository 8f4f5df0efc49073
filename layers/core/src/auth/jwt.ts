import { errors, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../errors';

export interface AuthContext {
  userId: string;
  orgId: string;
  email: string;
  role: 'admin' | 'member' | 'viewer';
}

export interface JwtSettings {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

const keys = new Map<string, Uint8Array>();
function keyOf(secret: string): Uint8Array {
  let k = keys.get(secret);
  if (!k) {
    k = new TextEncoder().encode(secret);
    keys.set(secret, k);
  }
  return k;
}

export async function issueToken(
  auth: AuthContext,
  s: JwtSettings,
  now = Date.now(),
): Promise<{ token: string; expiresAt: Date }> {
  const iat = Math.floor(now / 1000);
  const exp = iat + s.ttlSeconds;
  const token = await new SignJWT({ org: auth.orgId, email: auth.email, role: auth.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(auth.userId)
    .setIssuer(s.issuer)
    .setAudience(s.audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keyOf(s.secret));
  return { token, expiresAt: new Date(exp * 1000) };
}

const ROLES = new Set(['admin', 'member', 'viewer']);

/** Verifies an HS256 token (signature, issuer, audience, expiry) and returns the caller. */
export async function verifyToken(token: string, s: JwtSettings): Promise<AuthContext> {
  try {
    const { payload } = await jwtVerify(token, keyOf(s.secret), {
      issuer: s.issuer,
      audience: s.audience,
      algorithms: ['HS256'],
      clockTolerance: 5,
    });
    const { sub, org, email, role } = payload as Record<string, unknown>;
    if (
      typeof sub !== 'string' ||
      typeof org !== 'string' ||
      typeof email !== 'string' ||
      !ROLES.has(String(role))
    ) {
      throw new UnauthorizedError('Token is missing required claims', 'invalid_token');
    }
    return { userId: sub, orgId: org, email, role: role as AuthContext['role'] };
  } catch (err) {
    if (err instanceof UnauthorizedError) throw err;
    if (err instanceof errors.JWTExpired) throw new UnauthorizedError('Token has expired', 'token_expired');
    throw new UnauthorizedError('Token is invalid', 'invalid_token');
  }
}

export function bearerToken(header: string | undefined): string {
  if (!header) throw new UnauthorizedError('Missing Authorization header');
  const m = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+)\s*$/i.exec(header);
  if (!m) throw new UnauthorizedError('Authorization header must be "Bearer <jwt>"', 'invalid_token');
  return m[1]!;
}
