/**
 * The L1-hit analyze against its floor, side by side in one run, on PostgreSQL (issue 11, item 3):
 *   1. bare node:http returning the answer's bytes (the transport floor)
 *   2. a plain node:http server doing the irreducible work of a hit: verify the JWT (jose), INSERT the answer
 *      row (the same insertDecision on a pg pool of the same size), return its bytes
 *   3. the local runtime (`npm start`'s server): the real middy chain, L1 hit, decision persisted
 * Prints req/s and latency of each and the two ratios. Asserts nothing.
 *   npx tsx load/bench-hit.ts   (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 * Knobs: BENCH_CONNECTIONS (50), BENCH_DURATION_S (5), BENCH_ONLY_RUNTIME=1 (the runtime leg alone, e.g. under
 *   node --cpu-prof).
 */
import './bench-env';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnalyzeResponse } from '../layers/core/src/decisions/types';
import { autocannon } from './autocannon';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
process.env.RATE_LIMIT_ANALYZE_PER_MIN = '0';
process.env.DB_POOL_MAX ??= '10';

const { startLocalServer } = await import('../bin/local/server');
const { bearerToken } = await import('../layers/core/src/auth/jwt');
const { jwtSettings } = await import('../layers/core/src/auth/jwt-settings');
const { getConfig } = await import('../layers/core/src/config');
const { createPgDb } = await import('../layers/core/src/db/pg');
const { insertDecision } = await import('../layers/core/src/decisions/store');
const { demoMetricRows, insertMetricRows } = await import('../layers/core/src/orgs/seed');
const { setDb } = await import('../layers/core/src/runtime/db');
const { setServices } = await import('../layers/core/src/runtime/services');
const { analyzeServices } = await import('../test/support/analyze-services');
const { addUser } = await import('../test/support/api');
const { createTestDb } = await import('../test/support/db');
const { createOfflineLlm } = await import('../layers/core/src/agent/offline/offline-llm');

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ANALYZE = '/api/v1/decision/analyze';
const POOL = Number(process.env.DB_POOL_MAX);

const listen = (s: Server) =>
  new Promise<string>((resolve) =>
    s.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}${ANALYZE}`),
    ),
  );
const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

const t = await createTestDb('pg');
setDb(t.db);
const user = await addUser(t.db);
await insertMetricRows(t.db, user.orgId, demoMetricRows(6));
const services = analyzeServices({ db: t.db, llm: createOfflineLlm(), cacheEnv: { CACHE_L2: 'none' } });
setServices(services);
const server = await startLocalServer({ port: 0 });
const login = await fetch(`${server.url}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: user.email, password: user.password }),
});
const token = ((await login.json()) as { access_token: string }).access_token;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const query = 'Should we expand our enterprise sales team into Germany in 2026?';
const body = JSON.stringify({ query });
const post = () => fetch(`${server.url}${ANALYZE}`, { method: 'POST', headers, body });
await (await post()).arrayBuffer(); // agent: now in L1
const sample = await post();
const bytes = Buffer.from(await sample.arrayBuffer());
const answer = JSON.parse(bytes.toString('utf8')) as { answered_from: string } & Record<string, unknown>;
const sampleHeaders: Record<string, string> = {};
sample.headers.forEach((v, k) => {
  if (!['content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding'].includes(k))
    sampleHeaders[k] = v;
});

// 1. bare
const bare = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, sampleHeaders);
    res.end(bytes);
  });
});
// 2. plain: JWT verify (jose, every request) + INSERT of the answer row + the bytes
const plainDb = createPgDb({
  connectionString: t.url!,
  poolMax: POOL,
  statementTimeoutMs: 5_000,
  connectTimeoutMs: 3_000,
});
const settings = await jwtSettings(getConfig());
const { jwtVerify } = await import('jose');
const key = new TextEncoder().encode(settings.secret);
const plain = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const raw = bearerToken(req.headers.authorization);
      const { payload } = await jwtVerify(raw, key, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: ['HS256'],
      });
      const q = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string }).query;
      const decisionId = randomUUID();
      await insertDecision(plainDb, {
        decisionId,
        orgId: String(payload.org),
        userId: String(payload.sub),
        threadId: null,
        response: { ...(answer as unknown as AnalyzeResponse), decision_id: decisionId, query: q },
      });
      res.writeHead(200, sampleHeaders);
      res.end(bytes);
    } catch (err) {
      res.writeHead(500);
      res.end(String(err));
    }
  });
});

const bareUrl = await listen(bare);
const plainUrl = await listen(plain);

console.log(
  `# L1-hit analyze vs its floor — PostgreSQL, pool ${POOL}, ${CONNECTIONS} connections × ${DURATION_S} s each, ` +
    `${bytes.length}-byte answer (answered_from ${answer.answered_from}), Node ${process.version}`,
);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
interface Leg {
  rps: number;
  cpuMs: number;
}
async function leg(label: string, url: string): Promise<Leg> {
  const cpu0 = process.cpuUsage();
  const r = await autocannon(url, headers, body, { connections: CONNECTIONS, durationS: DURATION_S });
  const cpu = process.cpuUsage(cpu0);
  // CPU of this process (the server under test) per request: steadier than req/s on a shared machine
  const cpuMs = (cpu.user + cpu.system) / 1000 / Math.max(1, r.requests.average * DURATION_S);
  console.log(
    `  ${label.padEnd(44)} ${String(Math.round(r.requests.average)).padStart(6)} req/s  p50 ${r.latency.p50} ms  ` +
      `p97.5 ${r.latency.p97_5} ms  p99 ${r.latency.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}  ` +
      `server CPU ${cpuMs.toFixed(3)} ms/req`,
  );
  return { rps: r.requests.average, cpuMs };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const onlyRuntime = process.env.BENCH_ONLY_RUNTIME === '1';
const bareLeg = onlyRuntime ? undefined : await leg('bare node:http (same bytes)', bareUrl);
const plainLegs: Leg[] = [];
const runtimeLegs: Leg[] = [];
// interleaved rounds: the machine's load drifts; each ratio compares neighbours
for (let round = 0; round < ROUNDS; round++) {
  if (!onlyRuntime) plainLegs.push(await leg('plain server (jose verify + INSERT + bytes)', plainUrl));
  runtimeLegs.push(await leg('local runtime, L1 hit', `${server.url}${ANALYZE}`));
}
if (bareLeg) {
  const rpsRatios = runtimeLegs.map((r, i) => r.rps / plainLegs[i]!.rps);
  const cpuRatios = runtimeLegs.map((r, i) => plainLegs[i]!.cpuMs / r.cpuMs);
  console.log(
    `  ratio runtime / plain server: ${median(rpsRatios).toFixed(3)} by req/s (rounds ${rpsRatios.map((x) => x.toFixed(2)).join(', ')}), ` +
      `${median(cpuRatios).toFixed(3)} by server CPU per request   (goal ≥ 0.5)`,
  );
  console.log(
    `  ratio runtime / bare node:http: ${(median(runtimeLegs.map((r) => r.rps)) / bareLeg.rps).toFixed(3)} by req/s, ` +
      `${(bareLeg.cpuMs / median(runtimeLegs.map((r) => r.cpuMs))).toFixed(3)} by server CPU per request`,
  );
}
const check = await fetch(`${server.url}${ANALYZE}`, { method: 'POST', headers, body });
console.log(
  `  answered_from after the run: ${((await check.json()) as { answered_from: string }).answered_from}`,
);

await close(bare);
await close(plain);
await server.close();
await plainDb.close();
await services.cache.close();
setServices(undefined);
setDb(undefined);
await t.dispose();
process.exit(0);
