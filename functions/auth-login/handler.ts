import type { z } from 'zod';
import { jwtSettings } from '#core/auth/jwt-settings';
import { login } from '#core/auth/login';
import { UnauthorizedError } from '#core/errors';
import { httpHandler } from '#core/http/handler';
import { LoginBody } from '#core/http/schemas';
import { dbFor } from '#core/runtime/db';
import { rateLimiterFor } from '#core/runtime/ratelimit';
import { functionRoot } from '#core/runtime/root';
import { needsOf } from '../routes';

const root = functionRoot('auth-login', needsOf('auth-login'));

/** POST /api/v1/auth/login — email + password → short-lived JWT. */
export const handler = httpHandler<z.infer<typeof LoginBody>>(
  { route: 'auth-login', auth: false, body: LoginBody },
  async (req) => {
    // Per email, per source IP and globally, before any password work: slows guessing and keeps scrypt from
    // being a CPU sink; a success is given back to the email's allowance.
    const ticket = await (await rateLimiterFor(root)).checkLogin({
      email: req.body.email,
      ip: req.event.requestContext?.identity?.sourceIp ?? 'unknown',
    });
    const db = await dbFor(root);
    const result = await login(db, req.body, await jwtSettings(root.config)).catch((err: unknown) => {
      if (err instanceof UnauthorizedError) ticket.failed();
      throw err;
    });
    ticket.succeeded();
    return { body: result };
  },
);
