import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { UpstreamUnavailableError } from '../errors';

/** Secrets Manager values are cached in the instance for this long (Powertools Parameters). */
export const SECRET_MAX_AGE_SECONDS = 300;

/**
 * A secret's string value (Powertools Parameters over Secrets Manager, cached 5 min per instance, so a value
 * rotated in Secrets Manager takes effect within that time). The placeholder value `unset` means "not
 * configured". Failures are a 503: the caller may retry.
 */
export async function readSecret(arn: string): Promise<string | undefined> {
  let value: unknown;
  try {
    value = await getSecret(arn, { maxAge: SECRET_MAX_AGE_SECONDS });
  } catch (err) {
    throw new UpstreamUnavailableError(
      'secrets',
      'A required secret could not be read; retry shortly',
      5,
      err,
    );
  }
  if (typeof value !== 'string' || value.trim() === '' || value.trim() === 'unset') return undefined;
  return value.trim();
}
