/**
 * Property-based fuzzing of every route over HTTP (issue #12, item 3): for any malformed input — NUL bytes,
 * unpaired surrogates, wrong types, junk JSON, broken %-escapes, forged cursors, odd headers — the answer is
 * never a 5xx (and a stream never ends in a 5xx error event). Bounded in time: a few seconds per route.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../bin/local/aws/stand-ins';
import { addUser, startTestApi, type TestUser } from '../support/api';

// Limits off (the fuzz would mostly meet 429s); read when the handlers are imported (first request).
process.env.RATE_LIMIT_ANALYZE_PER_MIN = '0';
process.env.RATE_LIMIT_LOGIN_PER_MIN = '0';
process.env.RATE_LIMIT_LOGIN_IP_PER_MIN = '0';
process.env.RATE_LIMIT_LOGIN_GLOBAL_PER_MIN = '0';
process.env.RATE_LIMIT_LOGIN_LOCAL_FAILURES = '0';

/** Per route: stop after this long or this many runs, whichever comes first. */
const BUDGET = { interruptAfterTimeLimit: 3_000, numRuns: 150, markInterruptAsFailure: false };

/** Any UTF-16 code unit: NUL, controls, unpaired surrogates, astral halves. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const nasty = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00y', 'Should we \ud83d expand?', 'é'.repeat(5000)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
);
const anyJson = fc.oneof(
  nasty,
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({ maxDepth: 2, withNullPrototype: false }).map((v) => JSON.parse(JSON.stringify(v ?? null))),
);
/** `{field: value}` shapes near the real body, with any values. */
const bodyLike = (fields: string[]) =>
  fc.oneof(
    fc.dictionary(fc.constantFrom(...fields, 'extra', '\u0000'), anyJson, { maxKeys: 4 }),
    fc.record(Object.fromEntries(fields.map((f) => [f, nasty]))),
    anyJson,
  );
/** A raw body: JSON of a body-like value, or junk text. */
const rawBody = (fields: string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: bodyLike(fields).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ unit: codeUnit, maxLength: 60 }) },
  );
/** Percent-encoded bytes, including broken escapes and invalid UTF-8. */
const encoded = fc.oneof(
  nasty.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
  fc.constantFrom('%00', '%', '%zz', '%ED%A0%80', '%C0%AF', '%FF', 'a%2', '%E2%82', '%25%00'),
  fc
    .uint8Array({ maxLength: 12 })
    .map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('')),
);
const cursorLike = fc.oneof(
  encoded,
  fc
    .tuple(
      fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace('Z', '123Z')),
        fc
          .tuple(
            fc.integer({ min: 0, max: 99999 }),
            fc.integer({ min: 0, max: 99 }),
            fc.integer({ min: 0, max: 99 }),
            fc.integer({ min: 0, max: 99 }),
          )
          .map(
            ([y, mo, d, h]) =>
              `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00.000000Z`,
          ),
        nasty,
      ),
      fc.oneof(fc.uuid(), nasty),
    )
    .map((pair) => Buffer.from(JSON.stringify(pair)).toString('base64url')),
);
/** Header values fetch will send (visible Latin-1). */
const headerValue = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
  maxLength: 300,
});
const contentType = fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', '');

describe('no malformed input gets a 5xx, on any route (fast-check over HTTP)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let aws: LocalAws;
  let user: TestUser;
  let token: string;
  let adminToken: string;
  const seen: Array<{ route: string; status: number; body: string }> = [];

  const send = async (
    route: string,
    method: string,
    path: string,
    o: { raw?: string; contentType?: string; headers?: Record<string, string>; auth?: boolean } = {},
  ) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.auth !== false) headers.authorization = `Bearer ${token}`;
    if (o.raw !== undefined && o.contentType) headers['content-type'] = o.contentType;
    const r = await api.call(method, path, { raw: o.raw, headers });
    seen.push({ route, status: r.status, body: r.text.slice(0, 300) });
    return r;
  };
  const no5xx = (r: { status: number; text: string }) => {
    expect(r.status, r.text).toBeLessThan(500);
    expect(r.text).not.toMatch(/invalid byte sequence|null character|unsupported Unicode|syntax error/i);
  };

  beforeAll(async () => {
    aws = await startLocalAws();
    Object.assign(process.env, aws.env, { JOBS_LEASE_SECONDS: '25' });
    api = await startTestApi();
    user = await addUser(api.db);
    token = await api.login(user);
    const admin = await addUser(api.db);
    await api.db.query("UPDATE users SET role = 'admin' WHERE user_id = $1", [admin.userId]);
    adminToken = await api.login(admin);
  });

  afterAll(async () => {
    await api?.close();
    await aws?.stop();
    const fives = seen.filter((s) => s.status >= 500);
    if (fives.length > 0) console.error('5xx seen:', fives.slice(0, 5));
  });

  it('POST /api/v1/auth/login', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody(['email', 'password']), contentType, async (raw, ct) => {
        no5xx(await send('login', 'POST', '/api/v1/auth/login', { raw, contentType: ct, auth: false }));
      }),
      { ...BUDGET, numRuns: 40 },
    );
  });

  it('POST /api/v1/decision/analyze', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody(['query', 'thread_id']), contentType, async (raw, ct) => {
        no5xx(await send('analyze', 'POST', '/api/v1/decision/analyze', { raw, contentType: ct }));
      }),
      BUDGET,
    );
  });

  it('POST /api/v1/decision/analyze/stream (status and the `failed` event)', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody(['query', 'thread_id']), async (raw) => {
        const r = await send('stream', 'POST', '/api/v1/decision/analyze/stream', {
          raw,
          contentType: 'application/json',
        });
        no5xx(r);
        // the stream's terminal error event (`failed`): never a 5xx for bad input
        for (const frame of r.text.split('\n\n')) {
          const lines = frame.split('\n');
          if (!lines.includes('event: failed')) continue;
          const data = lines.find((l) => l.startsWith('data:'))!.slice(5);
          expect(JSON.parse(data).status, data).toBeLessThan(500);
        }
      }),
      BUDGET,
    );
  });

  it('GET /api/v1/decisions (limit, cursor)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(encoded), fc.option(cursorLike), async (limit, cursor) => {
        const qs = [limit !== null ? `limit=${limit}` : '', cursor !== null ? `cursor=${cursor}` : '']
          .filter(Boolean)
          .join('&');
        no5xx(await send('list', 'GET', `/api/v1/decisions${qs ? `?${qs}` : ''}`));
      }),
      BUDGET,
    );
  });

  it('GET /api/v1/decisions/search (q, k)', async () => {
    await fc.assert(
      fc.asyncProperty(encoded, fc.option(encoded), async (q, k) => {
        no5xx(await send('search', 'GET', `/api/v1/decisions/search?q=${q}${k !== null ? `&k=${k}` : ''}`));
      }),
      BUDGET,
    );
  });

  it('GET /api/v1/decisions/{id} and /api/v1/analysis/{task_id}/status', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(encoded, fc.uuid()), async (id) => {
        no5xx(await send('get', 'GET', `/api/v1/decisions/${id || 'x'}`));
        no5xx(await send('status', 'GET', `/api/v1/analysis/${id || 'x'}/status`));
      }),
      BUDGET,
    );
  });

  it('POST /api/v1/analysis/start (body and Idempotency-Key)', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody(['query', 'queries', 'depth']), fc.option(headerValue), async (raw, key) => {
        no5xx(
          await send('start', 'POST', '/api/v1/analysis/start', {
            raw,
            contentType: 'application/json',
            headers: key !== null ? { 'idempotency-key': key } : {},
          }),
        );
      }),
      BUDGET,
    );
  });

  it('POST /api/v1/org/metrics (admin; JSON and CSV) and GET /api/v1/org/metrics', async () => {
    const csvLike = fc.oneof(
      fc.string({ unit: codeUnit, maxLength: 80 }),
      fc
        .array(fc.tuple(nasty, fc.oneof(nasty, fc.constantFrom('2026-01', '2026-13', '2026-02-30')), nasty), {
          maxLength: 4,
        })
        .map((rows) => ['metric,period,value,unit', ...rows.map((r) => r.join(','))].join('\n')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          rawBody(['metrics']).map((raw) => ({ raw, ct: 'application/json' })),
          fc
            .record({
              metrics: fc.array(
                fc.record({ metric: nasty, period: nasty, value: anyJson, unit: fc.option(nasty) }),
                { maxLength: 3 },
              ),
            })
            .map((v) => ({ raw: JSON.stringify(v), ct: 'application/json' })),
          csvLike.map((raw) => ({ raw, ct: 'text/csv' })),
        ),
        fc.option(encoded),
        async (body, metric) => {
          no5xx(
            await send('metrics-import', 'POST', '/api/v1/org/metrics', {
              raw: body.raw,
              contentType: body.ct,
              headers: { authorization: `Bearer ${adminToken}` },
              auth: false,
            }),
          );
          no5xx(
            await send(
              'metrics-list',
              'GET',
              `/api/v1/org/metrics${metric !== null ? `?metric=${metric}` : ''}`,
            ),
          );
        },
      ),
      BUDGET,
    );
  });

  it('the known probes: NUL and lone surrogates are a 400 naming the field, before any model call', async () => {
    const probes: Array<[string, string, string, string | undefined]> = [
      ['POST', '/api/v1/decision/analyze', JSON.stringify({ query: 'Should we \u0000 expand?' }), 'query'],
      ['POST', '/api/v1/decision/analyze', '{"query":"Should we \\ud800 expand?"}', 'query'],
      ['POST', '/api/v1/decision/analyze/stream', '{"query":"Should we \\udc00 expand?"}', 'query'],
      ['POST', '/api/v1/analysis/start', JSON.stringify({ query: 'Expand\u0000?' }), 'query'],
      [
        'POST',
        '/api/v1/analysis/start',
        JSON.stringify({ queries: ['ok question', 'bad \u0000'] }),
        'queries.1',
      ],
      ['GET', '/api/v1/decisions/search?q=ab%00cd', '', 'q'],
      [
        'GET',
        `/api/v1/decisions?cursor=${Buffer.from(JSON.stringify(['2026-02-30T00:00:00.000000Z', randomUUID()])).toString('base64url')}`,
        '',
        'cursor',
      ],
    ];
    for (const [method, path, raw, field] of probes) {
      const r = await send('probe', method, path, raw ? { raw, contentType: 'application/json' } : {});
      expect(r.status, `${path} ${r.text}`).toBe(400);
      expect(r.json.error?.code).toBe('validation_error');
      expect(JSON.stringify(r.json.error?.details)).toContain(`"path":"${field}"`);
    }
    const malformed = await send('probe', 'GET', '/api/v1/decisions/%E0%A4%A');
    expect(malformed.status).toBe(400);
    const none = await api.db.query<{ n: number }>('SELECT count(*)::int AS n FROM decisions');
    expect(none.rows[0]!.n).toBeGreaterThanOrEqual(0);
  });
});
