/**
 * Cache latency benchmark: `npx tsx load/bench-cache.ts`
 *
 * Prints P50/P99 (ms) for: an L1 hit; an L2 hit through ioredis (TCP) and through @upstash/redis (HTTP, via
 * the local Upstash REST stand-in); a semantic-cache lookup on PGlite + pgvector with N stored answers.
 * Needs Redis on REDIS_URL (default redis://127.0.0.1:6379); keys live under a unique prefix and are deleted.
 * Env: BENCH_ITERATIONS (default 2000), BENCH_SEMANTIC_ROWS (default 2000), BENCH_SEMANTIC_LOOKUPS (300).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createPgliteDb } from '../bin/local/pglite';
import { loadCacheConfig } from '../layers/core/src/cache/config';
import { createSemanticCache } from '../layers/core/src/cache/semantic';
import { type CacheStack, createCacheStack } from '../layers/core/src/cache/stack';
import { migrate } from '../layers/core/src/db/migrate';
import { OfflineEmbeddings } from '../layers/core/src/embeddings/offline';
import { startUpstashServer } from '../test/support/upstash-server';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ITER = Number(process.env.BENCH_ITERATIONS ?? 2000);
const SEM_ROWS = Number(process.env.BENCH_SEMANTIC_ROWS ?? 2000);
const SEM_LOOKUPS = Number(process.env.BENCH_SEMANTIC_LOOKUPS ?? 300);
const PREFIX = `bench:${randomBytes(4).toString('hex')}:`;

interface Row {
  name: string;
  n: number;
  p50: number;
  p99: number;
  mean: number;
  note: string;
}
const rows: Row[] = [];

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function record(name: string, samples: number[], note = ''): void {
  const s = [...samples].sort((a, b) => a - b);
  rows.push({
    name,
    n: s.length,
    p50: pct(s, 50),
    p99: pct(s, 99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    note,
  });
}

/** A value the size of a typical analysis (~3 KB of JSON). */
const VALUE = {
  recommendation: 'Enter Germany through a Berlin sales office with a local partner.',
  options: Array.from({ length: 3 }, (_, i) => ({
    name: `Option ${i}`,
    summary: 'x'.repeat(200),
    score: 0.5 + i / 10,
    pros: ['fast', 'cheap', 'proven'],
    cons: ['risky', 'slow'],
  })),
  risks: Array.from({ length: 4 }, (_, i) => ({
    name: `Risk ${i}`,
    likelihood: 3,
    impact: 4,
    score: 12,
    mitigation: 'y'.repeat(120),
  })),
  confidence: 0.74,
  rationale: 'z'.repeat(800),
};

async function timeLoop(n: number, fn: () => Promise<string>, expectLevel: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    const level = await fn();
    out.push(performance.now() - t0);
    if (level !== expectLevel) throw new Error(`expected ${expectLevel}, got ${level}`);
  }
  return out;
}

async function benchL1(): Promise<void> {
  const stack = createCacheStack(loadCacheConfig({ CACHE_L2: 'none' }));
  const key = stack.tiered.key(randomUUID(), 'answer', 'analyze', { q: 'bench' });
  await stack.tiered.getOrLoad(key, 'answer', async () => VALUE);
  await timeLoop(
    1000,
    async () => (await stack.tiered.getOrLoad(key, 'answer', async () => VALUE)).level,
    'l1',
  );
  record(
    'L1 hit',
    await timeLoop(
      ITER * 5,
      async () => (await stack.tiered.getOrLoad(key, 'answer', async () => VALUE)).level,
      'l1',
    ),
    '~3 KB value, parse per read',
  );
  await stack.close();
}

async function benchL2(label: string, stack: CacheStack): Promise<void> {
  const key = stack.tiered.key(randomUUID(), 'answer', 'analyze', { q: `bench-${label}` });
  await stack.tiered.getOrLoad(key, 'answer', async () => VALUE);
  await timeLoop(
    200,
    async () => (await stack.tiered.getOrLoad(key, 'answer', async () => VALUE)).level,
    'l2',
  );
  record(
    `L2 hit (${label})`,
    await timeLoop(
      ITER,
      async () => (await stack.tiered.getOrLoad(key, 'answer', async () => VALUE)).level,
      'l2',
    ),
    'L1 disabled; includes JSON parse',
  );
}

const PLACES = [
  'Germany',
  'Japan',
  'Brazil',
  'Canada',
  'France',
  'India',
  'Mexico',
  'Spain',
  'Poland',
  'Kenya',
];
const TOPICS = [
  'expand our enterprise sales team into',
  'open a second warehouse in',
  'move customer support to',
  'launch the premium tier in',
  'hire a country manager for',
  'start a reseller partnership in',
  'cut prices by 10% in',
  'run a marketing campaign in',
];

async function benchSemantic(): Promise<void> {
  const db = await createPgliteDb();
  await migrate(db);
  const orgId = randomUUID();
  await db.query('INSERT INTO orgs (org_id, name) VALUES ($1, $2)', [orgId, 'bench']);
  const emb = new OfflineEmbeddings();
  const cache = createSemanticCache(db, emb, {});
  const scope = { orgId, model: 'm', promptVersion: 'p', contextHash: '', dataVersion: 1 };
  const questions: string[] = [];
  for (let i = 0; i < SEM_ROWS; i += 1) {
    const q = `Should we ${TOPICS[i % TOPICS.length]} ${PLACES[Math.floor(i / TOPICS.length) % PLACES.length]} in ${2000 + Math.floor(i / 80)}?`;
    questions.push(q);
  }
  const t0 = performance.now();
  for (const q of questions) await cache.store({ ...scope, query: q, response: VALUE });
  const loadMs = performance.now() - t0;
  const samples: number[] = [];
  let hits = 0;
  for (let i = 0; i < SEM_LOOKUPS; i += 1) {
    const q = questions[(i * 7) % questions.length]!.replace('Should we', 'Is it a good idea to').replace(
      '?',
      '',
    );
    const s = performance.now();
    const r = await cache.lookup({ ...scope, query: q });
    samples.push(performance.now() - s);
    if (r.status === 'hit') hits += 1;
  }
  record(
    'Semantic lookup (PGlite+pgvector)',
    samples,
    `${SEM_ROWS} rows, embed+HNSW+entities, hit rate ${Math.round((hits / SEM_LOOKUPS) * 100)}%, load ${(loadMs / SEM_ROWS).toFixed(2)} ms/row`,
  );
  await db.close();
}

async function cleanup(): Promise<void> {
  const r = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  await r.quit();
}

async function main(): Promise<void> {
  await benchL1();

  const base = { CACHE_KEY_PREFIX: PREFIX, CACHE_L1_MAX_BYTES: '0', CACHE_L2_TIMEOUT_MS: '1000' };
  const ioredis = createCacheStack(loadCacheConfig({ ...base, CACHE_L2: 'redis', REDIS_URL }));
  await benchL2('ioredis', ioredis);
  await ioredis.close();

  const server = await startUpstashServer({ redisUrl: REDIS_URL });
  const upstash = createCacheStack(
    loadCacheConfig({
      ...base,
      CACHE_L2: 'upstash',
      UPSTASH_REDIS_REST_URL: server.url,
      UPSTASH_REDIS_REST_TOKEN: server.token,
    }),
  );
  await benchL2('upstash REST stand-in', upstash);
  await upstash.close();
  await server.close();

  await benchSemantic();
  await cleanup();

  const f = (n: number) => n.toFixed(3).padStart(8);
  console.log(`\nCache latency (ms) — node ${process.version}, ${new Date().toISOString()}`);
  console.log(
    `${'level'.padEnd(36)}${'n'.padStart(7)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'mean'.padStart(9)}  note`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(36)}${String(r.n).padStart(7)} ${f(r.p50)} ${f(r.p99)} ${f(r.mean)}  ${r.note}`,
    );
  }
}

main().catch(async (err) => {
  console.error(err);
  await cleanup().catch(() => {});
  process.exit(1);
});
