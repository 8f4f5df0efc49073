import * as path from 'node:path';

/**
 * The esbuild settings every Lambda is bundled with. `AppFunction` hands them to `NodejsFunction` and
 * `scripts/bundle-size.ts` hands the same values to esbuild's API, so the measured bundle is the deployed one.
 */

/** ESM output still meets CommonJS dependencies that call `require` (pg, ioredis, …): give them one. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __ceoCreateRequire } from 'node:module';const require = __ceoCreateRequire(import.meta.url);";

export const BUNDLE_TARGET = 'node22';

/**
 * Never bundled:
 * - `pg-native`: an optional native addon `pg` only loads when asked to (we never do);
 * - the local stand-ins (PGlite + pgvector, dynalite, fauxqs): the core imports them dynamically only when no
 *   real endpoint is configured. esbuild would otherwise inline that dynamic import (~510 KB of PGlite in every
 *   function); left external, a Lambda that ever reached it fails loudly (module not found) instead of quietly
 *   running an in-memory database.
 * Everything else, the AWS SDK v3 included, is bundled and tree-shaken per function: a bundled SDK starts
 * faster than the runtime's copy (aws-cdk#25492) and its version is the one the tests ran against.
 */
export const LOCAL_ONLY_PACKAGES: readonly string[] = [
  '@electric-sql/pglite',
  '@electric-sql/pglite-pgvector',
  '@electric-sql/pglite-socket',
  'dynalite',
  'fauxqs',
];
export const BUNDLE_EXTERNALS: readonly string[] = ['pg-native', ...LOCAL_ONLY_PACKAGES];

/**
 * Module aliases of every bundle: the SDK's default credential chain becomes the environment provider, which
 * is what it resolves to in Lambda (see layers/core/src/aws/lambda-credentials.ts).
 */
export function bundleAliases(projectRoot: string): Record<string, string> {
  return {
    '@aws-sdk/credential-provider-node': path.join(projectRoot, 'layers/core/src/aws/lambda-credentials.ts'),
  };
}

/** Prefer the ESM build of dual packages: it tree-shakes. */
export const BUNDLE_MAIN_FIELDS: readonly string[] = ['module', 'main'];

export const BUNDLE_MINIFY = true;
export const BUNDLE_SOURCE_MAP = true;
/** Source maps without the sources: stack traces get file:line, the asset stays small. */
export const BUNDLE_SOURCES_CONTENT = false;

/** The stage's provider choices that decide what a bundle carries (see layers/core/src/bundle-flags.ts). */
export interface BundleProviders {
  llmProvider: string;
  cacheProvider: string;
  embeddingsProvider: string;
}

/** esbuild `define`s: the stage's providers as constants, so unused adapters are dropped from every bundle. */
export function bundleDefines(p: BundleProviders): Record<string, string> {
  return {
    'process.env.CEO_BUNDLE_LLM_PROVIDER': JSON.stringify(p.llmProvider),
    'process.env.CEO_BUNDLE_CACHE_PROVIDER': JSON.stringify(p.cacheProvider),
    'process.env.CEO_BUNDLE_EMBEDDINGS_PROVIDER': JSON.stringify(p.embeddingsProvider),
  };
}
