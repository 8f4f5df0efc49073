import type { z } from 'zod';
import { getDecision } from '#core/decisions/store';
import { NotFoundError } from '#core/errors';
import { httpHandler } from '#core/http/handler';
import { DecisionIdParams } from '#core/http/schemas';
import { dbFor } from '#core/runtime/db';
import { functionRoot } from '#core/runtime/root';
import { needsOf } from '../routes';

const root = functionRoot('decisions-get', needsOf('decisions-get'));

/** GET /api/v1/decisions/{id} — one decision of the caller's org; another org's is a 404. */
export const handler = httpHandler<undefined, Record<string, string>, z.infer<typeof DecisionIdParams>>(
  { route: 'decisions-get', auth: true, params: DecisionIdParams },
  async (req) => {
    const db = await dbFor(root);
    const decision = await getDecision(db, { orgId: req.user.orgId, decisionId: req.params.id });
    if (!decision) throw new NotFoundError('Decision');
    return { body: decision };
  },
);
