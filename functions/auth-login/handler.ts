import type { z } from 'zod';
import { jwtSettings } from '../../layers/core/src/auth/jwt-settings';
import { login } from '../../layers/core/src/auth/login';
import { getConfig } from '../../layers/core/src/config';
import { httpHandler } from '../../layers/core/src/http/handler';
import { LoginBody } from '../../layers/core/src/http/schemas';
import { getDb } from '../../layers/core/src/runtime/db';
import { getRateLimiter } from '../../layers/core/src/runtime/ratelimit';

const config = getConfig();

/** POST /api/v1/auth/login — email + password → short-lived JWT. */
export const handler = httpHandler<z.infer<typeof LoginBody>>(
  { route: 'auth-login', auth: false, body: LoginBody },
  async (req) => {
    // Per email, before any password work: slows guessing and keeps scrypt from being a CPU sink.
    await (await getRateLimiter()).check('login', { org: 'public', subject: req.body.email.toLowerCase() });
    const db = await getDb(config);
    const result = await login(db, req.body, await jwtSettings(config));
    return { body: result };
  },
);
