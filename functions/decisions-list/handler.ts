import type { z } from 'zod';
import { listDecisions } from '#core/decisions/store';
import { httpHandler } from '#core/http/handler';
import { ListDecisionsQuery } from '#core/http/schemas';
import { dbFor } from '#core/runtime/db';
import { functionRoot } from '#core/runtime/root';
import { needsOf } from '../routes';

const root = functionRoot('decisions-list', needsOf('decisions-list'));

/** GET /api/v1/decisions — the caller's decisions, newest first, keyset cursor pages. */
export const handler = httpHandler<undefined, z.infer<typeof ListDecisionsQuery>>(
  { route: 'decisions-list', auth: true, query: ListDecisionsQuery },
  async (req) => {
    const db = await dbFor(root);
    const page = await listDecisions(db, {
      orgId: req.user.orgId,
      userId: req.user.userId,
      limit: req.query.limit,
      cursor: req.query.cursor,
    });
    return { body: page };
  },
);
