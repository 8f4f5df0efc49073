import type { z } from 'zod';
import { listDecisions } from '../../layers/core/src/decisions/store';
import { httpHandler } from '../../layers/core/src/http/handler';
import { ListDecisionsQuery } from '../../layers/core/src/http/schemas';
import { dbFor } from '../../layers/core/src/runtime/db';
import { functionRoot } from '../../layers/core/src/runtime/root';
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
