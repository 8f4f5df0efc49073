import { httpHandler } from '#core/http/handler';
import { SearchDecisionsQuery } from '#core/http/search-schema';
import { searchOrgDecisions } from '#core/retrieval/org-search';
import { functionRoot } from '#core/runtime/root';
import { searchServicesFor } from '#core/runtime/search-services';
import { needsOf } from '../routes';

const root = functionRoot('decisions-search', needsOf('decisions-search'));

/**
 * GET /api/v1/decisions/search?q=…&k=… — hybrid (vector 0.7 + full text 0.3) search over the caller org's
 * decisions, cached per org and per decision-set version; `mode: 'keyword'` where there is no pgvector.
 */
export const handler = httpHandler<undefined, SearchDecisionsQuery>(
  { route: 'decisions-search', auth: true, query: SearchDecisionsQuery },
  async (req) => {
    const s = await searchServicesFor(root);
    const result = await searchOrgDecisions(
      { db: s.db, cache: s.cache.tiered, embeddings: s.embeddings, retrieval: s.retrieval },
      { orgId: req.user.orgId, q: req.query.q, k: req.query.k },
    );
    s.metrics.count('DecisionSearch', { mode: result.mode, cache: result.cache });
    return { body: result };
  },
);
