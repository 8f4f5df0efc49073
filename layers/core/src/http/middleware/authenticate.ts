import type { MiddlewareObj } from '@middy/core';
import type { AuthContext } from '../../auth/jwt';
import { bearerToken, type JwtSettings, verifyToken } from '../../auth/jwt';
import type { ApiEvent, ApiResult } from '../types';

/** Throws when the token's user may not act any more (deleted); see auth/user-check.ts. */
export type UserCheck = (token: string, auth: AuthContext) => Promise<void>;

/**
 * Verifies the bearer JWT in the function (HS256, a few µs), checks that its user still exists (once per token
 * and instance, cached briefly), and puts the caller on `event.auth`.
 */
export function authenticate(
  settings: () => Promise<JwtSettings>,
  checkUser?: UserCheck,
): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: async (request) => {
      const token = bearerToken(request.event.headers?.authorization);
      const auth = await verifyToken(token, await settings());
      await checkUser?.(token, auth);
      request.event.auth = auth;
      request.event.ctx?.log.appendKeys({ org_id: auth.orgId, user_id: auth.userId });
    },
  };
}
