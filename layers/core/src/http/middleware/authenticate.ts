import type { MiddlewareObj } from '@middy/core';
import { bearerToken, type JwtSettings, verifyToken } from '../../auth/jwt';
import type { ApiEvent, ApiResult } from '../types';

/** Verifies the bearer JWT in the function (HS256, a few µs) and puts the caller on `event.auth`. */
export function authenticate(settings: () => Promise<JwtSettings>): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: async (request) => {
      const auth = await verifyToken(bearerToken(request.event.headers?.authorization), await settings());
      request.event.auth = auth;
      request.event.ctx?.log.appendKeys({ org_id: auth.orgId, user_id: auth.userId });
    },
  };
}
