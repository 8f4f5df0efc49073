import { randomUUID } from 'node:crypto';
import { createUser } from '#core/auth/users';
import type { Queryable } from '#core/db/types';
import type { NewDecision } from '#core/decisions/store';
import type { AnalyzeResponse } from '#core/decisions/types';
import { createOrg } from '#core/orgs/orgs';

/** A tenant with one user; the hash is a fixed placeholder (tests that log in hash a real password). */
export async function makeTenant(db: Queryable, name = 'org') {
  const orgId = randomUUID();
  const userId = randomUUID();
  await createOrg(db, { orgId, name });
  await createUser(db, {
    userId,
    orgId,
    email: `${name}-${userId.slice(0, 8)}@example.test`,
    passwordHash: 'scrypt$1$1$1$x$x',
  });
  return { orgId, userId };
}

/** Fixture timestamps: one millisecond apart and increasing, so newer fixtures sort after older ones. */
let fixtureMs = Date.now();
function nextCreatedAt(): string {
  fixtureMs = Math.max(fixtureMs + 1, Date.now());
  return new Date(fixtureMs).toISOString();
}

export function makeDecision(t: { orgId: string; userId: string }, query: string): NewDecision {
  const decisionId = randomUUID();
  const response: AnalyzeResponse = {
    decision_id: decisionId,
    query,
    thread_id: null,
    recommendation: `Recommendation for ${query}`,
    options: [],
    risks: [],
    confidence: 0.5,
    rationale: 'fixture',
    skills: [],
    notices: [],
    model: 'offline',
    usage: {
      input_tokens: 1,
      output_tokens: 2,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      cost_usd: 0.001,
    },
    latency_ms: 5,
    answered_from: 'agent',
    created_at: nextCreatedAt(),
  };
  return { decisionId, orgId: t.orgId, userId: t.userId, threadId: null, response };
}

/** Wraps a Queryable and counts statements, to show "one round trip" claims. */
export function counting(db: Queryable) {
  let calls = 0;
  const q: Queryable = {
    query: (sql, params) => {
      calls++;
      return db.query(sql, params);
    },
    exec: (sql) => {
      calls++;
      return db.exec(sql);
    },
  };
  return { q, calls: () => calls };
}
