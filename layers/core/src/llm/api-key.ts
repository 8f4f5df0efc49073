import { readSecret } from '../aws/secrets';
import { NotConfiguredError } from '../errors';
import type { LlmConfig } from './config';

/**
 * Where the API key comes from: ANTHROPIC_API_KEY, or the Secrets Manager secret read through the secret
 * cache on every call (a rotated key takes effect within the cache's TTL). A missing or placeholder key is a
 * 503 `llm_not_configured`; only a local stand-in (a base URL without a key) needs none.
 */
export function apiKeySource(config: LlmConfig): () => Promise<string> {
  const notConfigured = () =>
    new NotConfiguredError(
      'llm_not_configured',
      'The Claude API key is not configured for this stage (missing or placeholder secret)',
    );
  if (config.apiKey) {
    const key = config.apiKey;
    return async () => key;
  }
  const arn = config.apiKeySecretArn;
  if (arn) {
    return async () => {
      const key = await readSecret(arn);
      if (!key) throw notConfigured();
      return key;
    };
  }
  if (config.baseURL) return async () => 'local-stand-in';
  return async () => {
    throw notConfigured();
  };
}
