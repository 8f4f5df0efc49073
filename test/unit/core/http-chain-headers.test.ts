import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { issueToken } from '#core/auth/jwt';
import { getConfig } from '#core/config';
import type { Db } from '#core/db/types';
import { httpHandler } from '#core/http/handler';
import { setDb } from '#core/runtime/db';
import { lambdaContext } from '../../../bin/local/events';

// The chain checks that the token's user exists: a database that knows every user.
setDb({ query: async () => ({ rows: [{ one: 1 }], rowCount: 1 }) } as unknown as Db);

const route = {
  id: 't',
  method: 'POST',
  path: '/t',
  entry: 'x',
  memoryMb: 128,
  timeoutSeconds: 5,
  throttle: 1,
  auth: true,
  needs: { db: false, cache: false, llm: false, embeddings: false, jwt: true },
} as const;
const echo = httpHandler<{ q: string }>(
  { route: 't', auth: true, body: z.object({ q: z.string() }) },
  async (req) => ({
    body: { q: req.body.q, org: req.user.orgId, key: req.headers['idempotency-key'] ?? null },
  }),
);

async function call(headers: Record<string, string>) {
  const c = getConfig();
  const { token } = await issueToken(
    {
      userId: '6f0b7c1e-3a52-4c1e-9d55-0a3c2b1e4f60',
      orgId: '0e5d2a4b-7c1f-4d3e-8b9a-1c2d3e4f5a6b',
      email: 'a@b.c',
      role: 'member',
    },
    { secret: c.jwtSecret, issuer: c.JWT_ISSUER, audience: c.JWT_AUDIENCE, ttlSeconds: 60 },
  );
  const event = {
    httpMethod: 'POST',
    path: '/t',
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('$TOKEN', token)])),
    body: '{"q":"hello"}',
    isBase64Encoded: false,
    requestContext: { requestId: 'r1' },
  } as unknown as APIGatewayProxyEvent;
  return echo(event, lambdaContext(route, 'r1'));
}

describe('the HTTP chain reads headers whatever their case', () => {
  it.each([
    [
      'API Gateway style',
      {
        Authorization: 'Bearer $TOKEN',
        'Content-Type': 'application/json',
        'X-Correlation-Id': 'abc-1',
        'Idempotency-Key': 'k1',
      },
    ],
    [
      'lower case',
      {
        authorization: 'Bearer $TOKEN',
        'content-type': 'application/json',
        'x-correlation-id': 'abc-1',
        'idempotency-key': 'k1',
      },
    ],
  ])('%s', async (_name, headers) => {
    const r = await call(headers);
    expect(r.statusCode, r.body).toBe(200);
    expect(JSON.parse(r.body)).toEqual({
      q: 'hello',
      org: '0e5d2a4b-7c1f-4d3e-8b9a-1c2d3e4f5a6b',
      key: 'k1',
    });
    expect(r.headers?.['X-Correlation-Id']).toBe('abc-1');
  });
});
