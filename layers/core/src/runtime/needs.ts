import { ValidationError } from '../errors';

/**
 * What one function touches. The route table (functions/routes.ts) gives every function its profile; the CDK
 * stack turns it into environment variables and IAM grants (lib/api-stack.ts), and the function's composition
 * root (runtime/root.ts) checks at cold start that the environment provides exactly what the profile needs
 * and refuses to build anything the profile does not declare. An infra test holds the three in agreement.
 */
export interface FunctionNeeds {
  /** Postgres through RDS Proxy */
  db: boolean;
  /**
   * Which database role the stack connects this function as (when `db`): `read` → the read-only role, `write` →
   * the application role (DML, no DDL), `owner` → the master user (only the migration handler). The runtime does
   * not read it: the user is in DATABASE_URL.
   */
  dbAccess?: 'read' | 'write' | 'owner';
  /** L2 cache (rate limits, answer/skill/retrieval caches) */
  cache: boolean;
  /** Claude: the Anthropic API key secret, the provider choice and an agent deadline */
  llm: boolean;
  /** Reads the provider choice and the Claude key secret without calling Claude (/health reports it) */
  llmKey?: boolean;
  /** Question and decision embeddings (search, semantic cache, decision vectors) */
  embeddings: boolean;
  /** JWT secret: verifies (auth routes) or signs (login) tokens */
  jwt: boolean;
  /** Jobs table access */
  jobs?: 'read' | 'readwrite';
  /** Sends to the analysis queue */
  enqueue?: boolean;
}

/** One requirement: any one of these variables satisfies it. */
export type EnvRequirement = readonly string[];

/**
 * The variables a function with these needs must be given outside the local and test stages (where the
 * local runtime provides embedded stand-ins and development defaults instead).
 */
export function requiredEnv(needs: FunctionNeeds): EnvRequirement[] {
  const req: EnvRequirement[] = [['STAGE']];
  if (needs.db) req.push(['DATABASE_URL']);
  if (needs.cache) req.push(['CACHE_PROVIDER']);
  if (needs.jwt) req.push(['JWT_SECRET_ARN', 'JWT_SECRET']);
  if (needs.llm || needs.llmKey) {
    req.push(['LLM_PROVIDER'], ['ANTHROPIC_API_KEY_SECRET_ARN', 'ANTHROPIC_API_KEY']);
  }
  if (needs.llm) req.push(['AGENT_DEADLINE_MS']);
  if (needs.embeddings) req.push(['EMBEDDINGS_PROVIDER']);
  if (needs.jobs) req.push(['JOBS_TABLE']);
  if (needs.enqueue) req.push(['ANALYSIS_QUEUE_URL']);
  return req;
}

/** Requirements no variable of `env` satisfies. */
export function missingEnv(needs: FunctionNeeds, env: NodeJS.ProcessEnv): EnvRequirement[] {
  return requiredEnv(needs).filter((alternatives) => !alternatives.some((name) => env[name]));
}

export function isLocalStage(stage: string | undefined): boolean {
  return stage === undefined || stage === 'local' || stage === 'test';
}

/**
 * Cold-start check of a deployed function's environment against its needs. Throws (so Lambda reports an init
 * error naming the variables) instead of letting the first request find out.
 */
export function assertFunctionEnv(functionId: string, needs: FunctionNeeds, env: NodeJS.ProcessEnv): void {
  if (isLocalStage(env.STAGE)) return;
  const missing = missingEnv(needs, env);
  if (missing.length === 0) return;
  throw new ValidationError(
    `Function ${functionId} is missing configuration: ${missing.map((m) => m.join(' or ')).join(', ')}`,
    missing.map((m) => ({ path: m.join('|'), message: 'required by this function' })),
  );
}
