import { readSecret } from '../aws/secrets';
import { type Config, DEV_JWT_SECRET } from '../config';
import { NotConfiguredError, UnauthorizedError } from '../errors';
import type { JwtSettings } from './jwt';

/** The signing settings: JWT_SECRET (or the local dev secret), or the Secrets Manager value behind JWT_SECRET_ARN. */
export async function jwtSettings(config: Config): Promise<JwtSettings> {
  let secret = config.jwtSecret;
  const isLocal = config.STAGE === 'local' || config.STAGE === 'test';
  if (!isLocal && secret === DEV_JWT_SECRET) {
    throw new NotConfiguredError(
      'auth_not_configured',
      'Authentication is misconfigured: the development secret is refused outside the local and test stages',
    );
  }
  if (!secret && !config.JWT_SECRET_ARN) {
    throw new NotConfiguredError(
      'auth_not_configured',
      'Authentication is not configured: set JWT_SECRET or JWT_SECRET_ARN',
    );
  }
  if (!secret && config.JWT_SECRET_ARN) {
    const fromArn = await readSecret(config.JWT_SECRET_ARN);
    if (!fromArn || fromArn.length < 32) {
      // A missing or weak secret must never sign or accept tokens.
      throw new UnauthorizedError('Authentication is not configured', 'auth_unavailable');
    }
    secret = fromArn;
  }
  return {
    secret,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ttlSeconds: config.JWT_TTL_SECONDS,
  };
}
