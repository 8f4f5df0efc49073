import type { Queryable } from '../db/types';
import { UnauthorizedError } from '../errors';
import { issueToken, type JwtSettings } from './jwt';
import { dummyHash, verifyPassword } from './password';
import { findUserByEmail } from './users';

export interface LoginResult {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  expires_at: string;
  user: { user_id: string; org_id: string; email: string; role: string };
}

/** Email + password → short-lived JWT. Unknown email and wrong password look the same, in body and timing. */
export async function login(
  db: Queryable,
  input: { email: string; password: string },
  jwt: JwtSettings,
): Promise<LoginResult> {
  const user = await findUserByEmail(db, input.email);
  const ok = await verifyPassword(input.password, user?.password_hash ?? (await dummyHash()));
  if (!user || !ok) throw new UnauthorizedError('Email or password is incorrect', 'invalid_credentials');
  const { token, expiresAt } = await issueToken(
    { userId: user.user_id, orgId: user.org_id, email: user.email, role: user.role },
    jwt,
  );
  return {
    access_token: token,
    token_type: 'Bearer',
    expires_in: jwt.ttlSeconds,
    expires_at: expiresAt.toISOString(),
    user: { user_id: user.user_id, org_id: user.org_id, email: user.email, role: user.role },
  };
}
