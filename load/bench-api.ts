/**
 * API benchmark on this machine: analyze and list latency at 50 concurrent clients through the local runtime,
 * and the list query at 100k decisions on deep keyset pages.
 *   npx tsx load/bench-api.ts            (PGlite; set DATABASE_URL to use a real PostgreSQL)
 * Prints figures; asserts nothing.
 */
import './bench-env';
import { randomUUID } from 'node:crypto';
import { startLocalServer } from '../bin/local/server';
import { insertDecisions, listDecisions } from '../layers/core/src/decisions/store';
import { seedDemo } from '../layers/core/src/orgs/seed';
import { setDb } from '../layers/core/src/runtime/db';
import { addUser } from '../test/support/api';
import { createTestDb } from '../test/support/db';
import { makeDecision, makeTenant } from '../test/support/fixtures';
import { closedLoop, summary } from './stats';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const kind = process.env.DATABASE_URL ? 'pg' : 'pglite';

const t = await createTestDb(kind);
setDb(t.db);
await seedDemo(t.db);
const server = await startLocalServer({ port: 0 });
const user = await addUser(t.db);
const login = await fetch(`${server.url}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: user.email, password: user.password }),
});
const token = ((await login.json()) as { access_token: string }).access_token;
const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

async function ok(res: Response) {
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(String(res.status));
}

console.log(`# API benchmark (${kind}, ${CONCURRENCY} concurrent clients, ${DURATION_MS / 1000} s each)`);
const analyze = await closedLoop(CONCURRENCY, DURATION_MS, async () =>
  ok(
    await fetch(`${server.url}/api/v1/decision/analyze`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ query: `Should we expand to market ${randomUUID().slice(0, 6)}?` }),
    }),
  ),
);
console.log('analyze  ms', analyze);
const list = await closedLoop(CONCURRENCY, DURATION_MS, async () =>
  ok(await fetch(`${server.url}/api/v1/decisions?limit=20`, { headers: auth })),
);
console.log('list     ms', list);
await server.close();

console.log(`\n# list query at ${ROWS} decisions of one user (${kind})`);
const tenant = await makeTenant(t.db, 'bench');
const t0 = performance.now();
for (let i = 0; i < ROWS; i += 2000) {
  const n = Math.min(2000, ROWS - i);
  await insertDecisions(
    t.db,
    Array.from({ length: n }, (_, j) => makeDecision(tenant, `bench question ${i + j}`)),
  );
}
console.log(`inserted ${ROWS} rows in ${Math.round(performance.now() - t0)} ms (batches of 2000)`);
await t.db.exec('ANALYZE decisions');

// Collect cursors at several depths by walking pages of 100.
const depths = new Map<number, string | undefined>([[0, undefined]]);
let cursor: string | undefined;
for (let page = 1; page * 100 < ROWS; page++) {
  const p = await listDecisions(t.db, { orgId: tenant.orgId, userId: tenant.userId, limit: 100, cursor });
  cursor = p.next_cursor ?? undefined;
  const depth = page * 100;
  if ([1_000, 10_000, 50_000, 99_000].includes(depth)) depths.set(depth, cursor);
}
for (const [depth, c] of depths) {
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    await listDecisions(t.db, { orgId: tenant.orgId, userId: tenant.userId, limit: 20, cursor: c });
    samples.push(performance.now() - s);
  }
  console.log(`page after ${String(depth).padStart(6)} rows: ms`, summary(samples));
}
const plan = await t.db.query<Record<string, string>>(
  `EXPLAIN SELECT decision_id FROM decisions WHERE org_id = $1 AND user_id = $2
     AND (created_at, decision_id) < (now(), $3::uuid) ORDER BY created_at DESC, decision_id DESC LIMIT 21`,
  [tenant.orgId, tenant.userId, randomUUID()],
);
console.log('plan:', plan.rows.map((r) => Object.values(r)[0]).join(' | '));
setDb(undefined);
await t.dispose();
process.exit(0);
