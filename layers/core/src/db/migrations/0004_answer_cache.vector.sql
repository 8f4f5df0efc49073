-- requires: vector
-- Semantic answer cache: earlier answers found by nearest-neighbour search over the question's embedding,
-- always inside one org (hard SQL filter), one model, one prompt version, one thread context and one data
-- version. Applied only where pgvector exists; elsewhere the semantic level reports itself unavailable.
CREATE TABLE answer_cache (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id         uuid NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
  model          text NOT NULL,
  prompt_version text NOT NULL,
  context_hash   text NOT NULL DEFAULT '',
  -- which embedder produced `embedding`: vectors of different embedders are never compared
  embedder       text NOT NULL,
  query          text NOT NULL,
  query_hash     text NOT NULL,
  entities       jsonb NOT NULL DEFAULT '[]'::jsonb,
  embedding      vector(256) NOT NULL,
  response       jsonb NOT NULL,
  skill_versions jsonb NOT NULL DEFAULT '{}'::jsonb,
  data_version   bigint NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL
);
CREATE INDEX answer_cache_embedding_hnsw_idx ON answer_cache USING hnsw (embedding vector_cosine_ops);
CREATE INDEX answer_cache_scope_idx ON answer_cache (org_id, model, prompt_version);
CREATE INDEX answer_cache_expires_idx ON answer_cache (expires_at);
