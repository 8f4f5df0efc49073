/**
 * The OpenAPI description (GET /openapi.json, generated from the route table and the zod schemas): valid
 * OpenAPI 3.1, complete (every route of functions/routes.ts, its request schemas, every error code the code
 * base can answer with), and true: real responses of every route — JSON bodies, stream events, errors —
 * validate against it (ajv, JSON Schema 2020-12). GET /docs is a self-contained page.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '#core/auth/password';
import { createUser } from '#core/auth/users';
import { createOrg } from '#core/orgs/orgs';
import { demoMetricRows, insertMetricRows } from '#core/orgs/seed';
import { type LocalJobs, startLocalJobs } from '../../bin/local/aws/local-jobs';
import { ROUTES } from '../../functions/routes';
import { startTestApi, type TestUser } from '../support/api';
import { headlessChromium } from '../support/chromium';
import { postSse } from '../support/sse-client';

// biome-ignore lint/suspicious/noExplicitAny: JSON documents are inspected freely
type Json = Record<string, any>;
type Api = Awaited<ReturnType<typeof startTestApi>>;

const chromium = headlessChromium();

/** Every error code a throw site or the local gateway can answer with, found in the source. */
function errorCodesInSource(): Set<string> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk('layers/core/src');
  walk('functions');
  files.push('bin/local/server.ts');
  const codes = new Set<string>();
  const patterns = [
    /super\(\d{3}, '([a-z_]+)'/g,
    /new UnauthorizedError\([^)]*?, '([a-z_]+)'\)/g,
    /new NotConfiguredError\(\s*'([a-z_]+)'/g,
    /sendJson\(res, \d{3}, '([a-z_]+)'/g,
  ];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const re of patterns) for (const m of text.matchAll(re)) codes.add(m[1]!);
  }
  codes.add('internal_error');
  return codes;
}

describe('the OpenAPI description', () => {
  let api: Api;
  let jobs: LocalJobs;
  let doc: Json;
  let admin: TestUser;
  let token: string;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);

  /** Validates a body against the schema the description gives for this operation and status. */
  const check = (path: string, method: string, status: number, body: unknown) => {
    const op = doc.paths[path]?.[method];
    expect(op, `${method} ${path} is described`).toBeDefined();
    const response = op.responses[String(status)];
    expect(response, `${method} ${path} documents ${status}`).toBeDefined();
    const schema = response.content?.['application/json']?.schema;
    expect(schema, `${method} ${path} ${status} has a JSON schema`).toBeDefined();
    const validate = ajv.compile({
      ...schema,
      $id: `https://ceo-agent.local/r/${method}/${status}/${Math.random()}`,
    });
    const ok = validate(body);
    expect(
      validate.errors ?? [],
      `${method} ${path} ${status}: ${JSON.stringify(body).slice(0, 300)}`,
    ).toEqual([]);
    expect(ok).toBe(true);
    if (status >= 400) expect(response['x-error-codes']).toContain((body as Json).error.code);
  };

  beforeAll(async () => {
    jobs = await startLocalJobs({
      loadWorker: async () => (await import('../../functions/analysis-worker/handler')).handler,
    });
    api = await startTestApi();
    const r = await fetch(`${api.url}/openapi.json`);
    expect(r.status).toBe(200);
    doc = (await r.json()) as Json;
    // components are referenced as #/components/schemas/X from every compiled schema
    ajv.addSchema({ $id: 'https://ceo-agent.local/components', components: doc.components } as Json);
    const json = JSON.stringify(doc).replaceAll(
      '"#/components/schemas/',
      '"https://ceo-agent.local/components#/components/schemas/',
    );
    doc = JSON.parse(json);
    const orgId = crypto.randomUUID();
    await createOrg(api.db, { orgId, name: 'openapi org' });
    admin = {
      orgId,
      userId: crypto.randomUUID(),
      email: `oa-${orgId.slice(0, 8)}@example.test`,
      password: 'pw-123456',
    };
    await createUser(api.db, { ...admin, passwordHash: await hashPassword(admin.password), role: 'admin' });
    await insertMetricRows(api.db, orgId, demoMetricRows(6));
  });

  afterAll(async () => {
    await api?.close();
    await jobs?.stop();
  });

  it('is valid OpenAPI 3.1', async () => {
    const raw = (await (await fetch(`${api.url}/openapi.json`)).json()) as Json;
    expect(raw.openapi).toBe('3.1.0');
    const result = await new Validator().validate(raw as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every route, its request schemas, and every error code the code can answer with', () => {
    for (const route of ROUTES) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      if (route.auth) expect(op.security).toEqual([{ bearer: [] }]);
      else
        expect(op.security.length === 0 || op.security.some((s: Json) => Object.keys(s).length === 0)).toBe(
          true,
        );
      if (route.method === 'POST') expect(op.requestBody, `${route.id} body`).toBeDefined();
      for (const param of route.path.match(/\{(\w+)\}/g) ?? []) {
        expect(op.parameters.map((p: Json) => p.name)).toContain(param.slice(1, -1));
      }
    }
    expect(doc.paths['/api/v1/decisions'].get.parameters.map((p: Json) => p.name)).toEqual([
      'limit',
      'cursor',
    ]);
    expect(doc.paths['/api/v1/decisions/search'].get.parameters.map((p: Json) => p.name)).toEqual(['q', 'k']);
    const described = new Set(Object.keys(doc['x-error-codes']));
    const missing = [...errorCodesInSource()].filter((c) => !described.has(c));
    expect(missing).toEqual([]);
    expect(Object.keys(doc['x-sse-events'])).toEqual([
      'started',
      'skill_started',
      'skill_finished',
      'text',
      'analysis',
      'done',
      'failed',
    ]);
  });

  it('matches real responses of every route', async () => {
    const health = await api.call('GET', '/health');
    check('/health', 'get', health.status, health.json);

    const login = await api.call('POST', '/api/v1/auth/login', {
      body: { email: admin.email, password: admin.password },
    });
    check('/api/v1/auth/login', 'post', 200, login.json);
    token = login.json.access_token as string;
    const detailed = await api.call('GET', '/health', { token });
    check('/health', 'get', detailed.status, detailed.json);
    expect(Object.keys(detailed.json)).toEqual(['status', 'version', 'stage', 'dependencies']);
    const badLogin = await api.call('POST', '/api/v1/auth/login', {
      body: { email: admin.email, password: 'nope-nope' },
    });
    check('/api/v1/auth/login', 'post', 401, badLogin.json);

    const analyze = await api.call('POST', '/api/v1/decision/analyze', {
      token,
      body: { query: 'Should we expand to new markets?' },
    });
    check('/api/v1/decision/analyze', 'post', 200, analyze.json);
    const invalid = await api.call('POST', '/api/v1/decision/analyze', { token, body: { query: 'x' } });
    check('/api/v1/decision/analyze', 'post', 400, invalid.json);
    const anonymous = await api.call('POST', '/api/v1/decision/analyze', {
      body: { query: 'Should we grow?' },
    });
    check('/api/v1/decision/analyze', 'post', 401, anonymous.json);

    const list = await api.call('GET', '/api/v1/decisions?limit=5', { token });
    check('/api/v1/decisions', 'get', 200, list.json);
    const search = await api.call('GET', '/api/v1/decisions/search?q=new+markets&k=3', { token });
    check('/api/v1/decisions/search', 'get', 200, search.json);
    const got = await api.call('GET', `/api/v1/decisions/${analyze.json.decision_id}`, { token });
    check('/api/v1/decisions/{id}', 'get', 200, got.json);
    const missing = await api.call('GET', `/api/v1/decisions/${crypto.randomUUID()}`, { token });
    check('/api/v1/decisions/{id}', 'get', 404, missing.json);

    const started = await api.call('POST', '/api/v1/analysis/start', {
      token,
      body: { query: 'Should we open a second warehouse?' },
      headers: { 'idempotency-key': `oa-${Date.now()}` },
    });
    check('/api/v1/analysis/start', 'post', 202, started.json);
    const status = await api.call('GET', `/api/v1/analysis/${started.json.task_id}/status`, { token });
    check('/api/v1/analysis/{task_id}/status', 'get', 200, status.json);

    const imported = await api.call('POST', '/api/v1/org/metrics', {
      token,
      body: { metrics: [{ metric: 'revenue', period: '2026-10', value: 1, unit: 'USD' }] },
    });
    check('/api/v1/org/metrics', 'post', 200, imported.json);
    const metrics = await api.call('GET', '/api/v1/org/metrics', { token });
    check('/api/v1/org/metrics', 'get', 200, metrics.json);

    const notFound = await api.call('GET', '/api/v1/nothing-here', { token });
    expect(notFound.json.error?.code).toBe('route_not_found');
    expect(doc['x-error-codes'].route_not_found.status).toBe(404);
  });

  it('matches the stream route: every event payload validates against its x-sse-events schema', async () => {
    const res = await postSse(`${api.url}/api/v1/decision/analyze/stream`, {
      token,
      body: { query: 'Build vs buy for our CRM: which option?' },
    });
    expect(res.status).toBe(200);
    expect(Object.keys(doc.paths['/api/v1/decision/analyze/stream'].post.responses['200'].content)).toEqual([
      'text/event-stream',
    ]);
    for (const e of res.events) {
      const schema = doc['x-sse-events'][e.event];
      expect(schema, `event ${e.event} is described`).toBeDefined();
      const validate = ajv.compile({
        ...schema,
        $id: `https://ceo-agent.local/sse/${e.event}/${Math.random()}`,
      });
      expect(validate(e.data), `${e.event}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('GET /docs is one self-contained page that renders the description', async () => {
    const r = await fetch(`${api.url}/docs`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await r.text();
    expect(html).toContain("fetch('openapi.json')");
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="(https?:)?\/\//);
  });

  it.skipIf(!chromium)(
    'GET /docs renders every route in headless Chromium',
    async () => {
      const { stdout } = await promisify(execFile)(
        chromium!,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--virtual-time-budget=10000',
          '--dump-dom',
          `${api.url}/docs`,
        ],
        { timeout: 90_000, maxBuffer: 20 * 1024 * 1024 },
      );
      expect(stdout).toContain('data-ready="true"');
      for (const route of ROUTES)
        expect(stdout).toContain(`id="${doc.paths[route.path][route.method.toLowerCase()].operationId}"`);
      expect(stdout).toContain('id="sse-events"');
      expect(stdout).toContain('<code>forbidden</code>');
    },
    120_000,
  );
});
