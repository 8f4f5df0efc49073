import type { MetricsSink } from '#core/observability/metrics';
import { demoMetricRows, insertMetricRows } from '#core/orgs/seed';
import type { Services } from '#core/runtime/services';
import { createScriptedAnalyst, type ScriptedAnalyst, type ScriptedAnalystOptions } from './analyst-script';
import { analyzeServices, deleteKeys, FAKE_API_KEY, standInLlm, uniqueKeyPrefix } from './analyze-services';
import { addUser, startTestApi, type TestUser } from './api';
import { type FakeAnthropic, type FakeAnthropicOptions, startFakeAnthropic } from './fake-anthropic';

export type TestApi = Awaited<ReturnType<typeof startTestApi>>;

export interface AnalyzeHarnessStart {
  /** Stand-in options on top of its API key (FAKE_API_KEY). */
  fake?: Omit<FakeAnthropicOptions, 'apiKey'>;
  /** The scripted analyst that answers every request the script queue does not. */
  analyst?: ScriptedAnalystOptions;
  /** The database behind the local runtime (default: PostgreSQL when DATABASE_URL is set, else PGlite). */
  db?: 'pglite' | 'pg';
}

export interface AnalyzeInstanceOptions {
  /** Where the instance's SDK client sends its requests (default: the stand-in itself, e.g. not a proxy). */
  llmUrl?: string;
  /** LLM variables on top of standInLlm's. */
  llmEnv?: Record<string, string>;
  /** Cache variables on top of the harness's key prefix. */
  cacheEnv?: Record<string, string>;
  metrics?: MetricsSink;
}

/**
 * The analyze path over HTTP for one e2e test file: the Claude stand-in (real Anthropic SDK on the wire)
 * answering with the scripted analyst, the local runtime over a fresh database, and "instances" (services, each
 * with its own L1, Redis connection and SDK client; L2 shared under this file's key prefix) to swap in with
 * setServices like new warm Lambdas. `start()` in beforeAll, `close()` in afterAll: it closes what start() and
 * instance() opened, even after a start() that failed half way, and deletes the file's Redis keys.
 */
export function analyzeHarness(label: string) {
  const prefix = uniqueKeyPrefix(label);
  const instances: Services[] = [];
  let api: TestApi | undefined;
  let fake: FakeAnthropic | undefined;

  const running = () => {
    if (!api || !fake) throw new Error('analyzeHarness: call start() first');
    return { api, fake };
  };

  return {
    prefix,
    /** Every instance made so far, the latest last. */
    instances,

    async start(
      o: AnalyzeHarnessStart = {},
    ): Promise<{ api: TestApi; fake: FakeAnthropic; analyst: ScriptedAnalyst }> {
      fake = await startFakeAnthropic({ apiKey: FAKE_API_KEY, ...o.fake });
      const analyst = createScriptedAnalyst(o.analyst);
      fake.setFallback((r) => analyst.step(r));
      api = await startTestApi({ kind: o.db });
      return { api, fake, analyst };
    },

    /** A new instance (closed by close()); install it with setServices. */
    instance(o: AnalyzeInstanceOptions = {}): Services {
      const r = running();
      const s = analyzeServices({
        db: r.api.db,
        llm: standInLlm(o.llmUrl ?? r.fake.url, o.llmEnv),
        cacheEnv: { CACHE_KEY_PREFIX: prefix, ...o.cacheEnv },
        metrics: o.metrics,
      });
      instances.push(s);
      return s;
    },

    /** A user in an org of its own, with six months of demo company metrics. */
    async orgUser(): Promise<TestUser> {
      const { api } = running();
      const user = await addUser(api.db);
      await insertMetricRows(api.db, user.orgId, demoMetricRows(6));
      return user;
    },

    /** POST /api/v1/decision/analyze as the token's user. */
    analyze(token: string, body: Record<string, unknown>) {
      return running().api.call('POST', '/api/v1/decision/analyze', { token, body });
    },

    async close(): Promise<void> {
      await api?.close();
      for (const s of instances) await s.cache.close();
      await fake?.close();
      await deleteKeys(prefix);
    },
  };
}
