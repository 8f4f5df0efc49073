import { NotConfiguredError } from './errors';

/**
 * Providers are fixed per stage when a function is bundled: lib/constructs/bundling.ts sets
 * `process.env.CEO_BUNDLE_LLM_PROVIDER`, `…_CACHE_PROVIDER` and `…_EMBEDDINGS_PROVIDER` as esbuild `define`s,
 * and each choice point compares them inline (`process.env.CEO_BUNDLE_X === 'y' ? notBundled(…) : create()`),
 * so esbuild folds the comparison and drops the adapters a stage never uses (the offline model, the other
 * Redis client, the Bedrock client). Under tsx (npm start, tests) they are undefined and everything is there.
 */
export function notBundled(what: string, stageChoice: string | undefined): never {
  throw new NotConfiguredError(
    'provider_not_bundled',
    `${what} is not part of this deployment: the stage was bundled for ${stageChoice ?? 'another provider'}`,
  );
}
