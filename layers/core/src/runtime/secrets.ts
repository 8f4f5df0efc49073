import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { UpstreamUnavailableError } from '../errors';

/** Secrets Manager values are cached in the instance for this long (Powertools Parameters). */
const MAX_AGE_SECONDS = 300;

/**
 * A secret's string value (Powertools Parameters over Secrets Manager, cached 5 min per instance). The
 * placeholder value `unset` means "not configured". Failures are a 503: the caller may retry.
 */
export async function readSecret(arn: string): Promise<string | undefined> {
  let value: unknown;
  try {
    value = await getSecret(arn, { maxAge: MAX_AGE_SECONDS });
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

let hydrated: Promise<void> | undefined;

/**
 * Puts provider credentials kept in Secrets Manager into this process's environment before the clients that
 * read them are built, once per instance (a failure is not remembered, so the next request retries):
 * ANTHROPIC_API_KEY from ANTHROPIC_API_KEY_SECRET_ARN, and the Upstash REST URL and token from
 * UPSTASH_SECRET_ARN (JSON `{"url","token"}`). Values already set win.
 */
export function hydrateProviderSecrets(): Promise<void> {
  hydrated ??= hydrateInto(process.env).catch((err) => {
    hydrated = undefined;
    throw err;
  });
  return hydrated;
}

async function hydrateInto(env: NodeJS.ProcessEnv): Promise<void> {
  const jobs: Promise<void>[] = [];
  if (!env.ANTHROPIC_API_KEY && env.ANTHROPIC_API_KEY_SECRET_ARN) {
    jobs.push(
      readSecret(env.ANTHROPIC_API_KEY_SECRET_ARN).then((v) => {
        if (v) env.ANTHROPIC_API_KEY = v;
      }),
    );
  }
  if (!env.UPSTASH_REDIS_REST_URL && env.UPSTASH_SECRET_ARN) {
    jobs.push(
      readSecret(env.UPSTASH_SECRET_ARN).then((v) => {
        if (!v) return;
        const parsed = JSON.parse(v) as { url?: unknown; token?: unknown };
        // the placeholder {"url":"unset","token":"unset"} means "not configured"
        if (
          typeof parsed.url === 'string' &&
          /^https:\/\//.test(parsed.url) &&
          typeof parsed.token === 'string'
        ) {
          env.UPSTASH_REDIS_REST_URL = parsed.url;
          env.UPSTASH_REDIS_REST_TOKEN = parsed.token;
        }
      }),
    );
  }
  await Promise.all(jobs);
}
