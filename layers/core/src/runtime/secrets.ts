import { readSecret } from '../aws/secrets';

let hydrated: Promise<void> | undefined;

/**
 * Puts the Upstash REST URL and token kept in Secrets Manager (UPSTASH_SECRET_ARN, JSON `{"url","token"}`)
 * into this process's environment before the cache client is built, once per instance (a failure is not
 * remembered, so the next request retries). Values already set win. The Anthropic key is not hydrated: the
 * Claude client reads its secret per call through the secret cache, so a rotated key takes effect within its TTL.
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
