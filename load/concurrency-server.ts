/**
 * The server side of load/bench-concurrency.ts, in its own process so the figures it reports are the runtime's
 * alone (no client, no stand-in): the local runtime over a throw-away database (PostgreSQL with DATABASE_URL,
 * else PGlite), Redis L2 when reachable, the real Anthropic adapter against the Claude stand-in at STANDIN_URL.
 * Prints one JSON line `{url, headers}` when ready, then answers stdin commands with one JSON line each:
 *   stats → {cpuMs, mainThreadCpuMs, eluActiveMs, llmMs: {question: ms inside model calls},
 *            statements: {first 60 characters of the SQL: times sent}}   (cumulative since start)
 *   stop  → closes everything, drops the database, deletes its Redis keys, exits 0 (so do SIGTERM and the end
 *           of stdin: a parent that dies leaves nothing behind)
 * Run with `node --cpu-prof` (BENCH_CPU_PROF in the parent) to profile the runtime alone.
 */
import './bench-env';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startLocalServer } from '../bin/local/server';
import type { Db, Queryable } from '../layers/core/src/db/types';
import { demoMetricRows, insertMetricRows } from '../layers/core/src/orgs/seed';
import { setDb } from '../layers/core/src/runtime/db';
import { setServices } from '../layers/core/src/runtime/services';
import { analyzeServices, deleteKeys, standInLlm, uniqueKeyPrefix } from '../test/support/analyze-services';
import { addUser } from '../test/support/api';
import { createTestDb } from '../test/support/db';
import { nodeHttpFetch } from './node-http-fetch';
import { redisReachable, timedLlm } from './timed-llm';

// Every analysis comes from one user: far more than a minute's analyze allowance.
process.env.RATE_LIMIT_ANALYZE_PER_MIN = '0';

const standInUrl = process.env.STANDIN_URL;
if (!standInUrl) throw new Error('STANDIN_URL is not set');

const redisUp = await redisReachable();
const prefix = uniqueKeyPrefix('bench-concurrency');
const testDb = await createTestDb(process.env.DATABASE_URL ? 'pg' : 'pglite');
let server: Awaited<ReturnType<typeof startLocalServer>> | undefined;
let services: ReturnType<typeof analyzeServices> | undefined;
let stopping: Promise<void> | undefined;
/** Closes everything, drops the database and deletes the Redis keys; once, on `stop`, stdin's end or SIGTERM. */
const cleanup = () =>
  (stopping ??= (async () => {
    await server?.close();
    setServices(undefined);
    setDb(undefined);
    await services?.cache.close();
    await testDb.dispose();
    if (redisUp) await deleteKeys(prefix);
  })());
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => {
    void cleanup().finally(() => process.exit(0));
  });
// a set-up step that throws (top-level await) must not leave the database behind either
process.on('uncaughtException', (err) => {
  console.error(err);
  void cleanup().finally(() => process.exit(1));
});
/** Statements sent, by their first words (what an analysis costs in round trips). */
const statements = new Map<string, number>();
const count = (sql: string) => {
  const head = sql.replace(/\s+/g, ' ').trim().slice(0, 60);
  statements.set(head, (statements.get(head) ?? 0) + 1);
};
const counting = (q: Queryable): Queryable => ({
  query: (sql, params) => {
    count(sql);
    return q.query(sql, params);
  },
  exec: (sql) => q.exec(sql),
});
const inner = testDb.db;
const db: Db = {
  kind: inner.kind,
  ...counting(inner),
  transaction: (fn) => inner.transaction((tx) => fn(counting(tx))),
  session: (fn, opts) =>
    inner.session(
      (s) => fn({ ...counting(s), transaction: (f) => s.transaction((tx) => f(counting(tx))) }),
      opts,
    ),
  capabilities: () => inner.capabilities(),
  refreshCapabilities: () => inner.refreshCapabilities(),
  ping: (ms) => inner.ping(ms),
  close: () => inner.close(),
};
setDb(db);
const user = await addUser(inner);
await insertMetricRows(inner, user.orgId, demoMetricRows(6));
const llmMs = new Map<string, number>();
services = analyzeServices({
  db,
  llm: timedLlm(
    standInLlm(
      standInUrl,
      { LLM_TIMEOUT_MS: '60000', LLM_MAX_RETRIES: '2' },
      process.env.BENCH_CLAUDE_FETCH === 'node-http' ? { fetch: nodeHttpFetch() } : {},
    ),
    llmMs,
  ),
  cacheEnv: redisUp ? { CACHE_KEY_PREFIX: prefix } : { CACHE_KEY_PREFIX: prefix, CACHE_L2: 'none' },
});
setServices(services);
server = await startLocalServer({ port: 0 });

const login = await fetch(`${server.url}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: user.email, password: user.password }),
});
const token = ((await login.json()) as { access_token: string }).access_token;

/**
 * CPU time of the main thread alone (the event loop a burst queues on), from /proc on Linux; NaN elsewhere.
 * process.cpuUsage() adds every thread (GC helpers, libuv's pool); the event-loop utilisation counts time
 * the thread was runnable but not running, which on a busy machine is most of it.
 */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

const cpu0 = process.cpuUsage();
const main0 = mainThreadCpuMs();
const elu0 = performance.eventLoopUtilization();
process.stdout.write(
  `${JSON.stringify({
    url: server.url,
    db: testDb.label,
    l2: redisUp ? 'redis' : 'none',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  })}\n`,
);

for await (const line of createInterface({ input: process.stdin })) {
  const command = line.trim();
  if (command === 'stats') {
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    process.stdout.write(
      `${JSON.stringify({
        cpuMs: (cpu.user + cpu.system) / 1000,
        mainThreadCpuMs: mainThreadCpuMs() - main0,
        eluActiveMs: elu.active,
        llmMs: Object.fromEntries(llmMs),
        statements: Object.fromEntries(statements),
      })}\n`,
    );
  } else if (command === 'stop') break;
}

await cleanup();
process.exit(0);
