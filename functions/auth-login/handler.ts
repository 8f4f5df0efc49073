import type { z } from 'zod';
import { jwtSettings } from '../../layers/core/src/auth/jwt-settings';
import { login } from '../../layers/core/src/auth/login';
import { httpHandler } from '../../layers/core/src/http/handler';
import { LoginBody } from '../../layers/core/src/http/schemas';
import { dbFor } from '../../layers/core/src/runtime/db';
import { rateLimiterFor } from '../../layers/core/src/runtime/ratelimit';
import { functionRoot } from '../../layers/core/src/runtime/root';
import { needsOf } from '../routes';

const root = functionRoot('auth-login', needsOf('auth-login'));

/** POST /api/v1/auth/login — email + password → short-lived JWT. */
export const handler = httpHandler<z.infer<typeof LoginBody>>(
  { route: 'auth-login', auth: false, body: LoginBody },
  async (req) => {
    // Per email, before any password work: slows guessing and keeps scrypt from being a CPU sink.
    await (await rateLimiterFor(root)).check('login', {
      org: 'public',
      subject: req.body.email.toLowerCase(),
    });
    const db = await dbFor(root);
    const result = await login(db, req.body, await jwtSettings(root.config));
    return { body: result };
  },
);
