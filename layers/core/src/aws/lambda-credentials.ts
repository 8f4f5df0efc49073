import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * What the SDK's default credential chain (`@aws-sdk/credential-provider-node`) resolves to in Lambda: the
 * execution role's credentials, which the runtime puts in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN. Function bundles alias the chain to this module (lib/constructs/bundling.ts), so they
 * carry none of the SSO, INI, process, web-identity and container providers nor the STS/SSO clients behind
 * them (~90 KB of every bundle), which never run there. Code run by tsx (npm start, tests) keeps the full chain.
 */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
