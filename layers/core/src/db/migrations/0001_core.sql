-- Core schema: tenants, users, decisions, company metrics. Runs on PostgreSQL 15+ and PGlite.
CREATE TABLE orgs (
  org_id     uuid PRIMARY KEY,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  user_id       uuid PRIMARY KEY,
  org_id        uuid NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
  email         text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member', 'viewer')),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_org_idx ON users (org_id);

CREATE TABLE decisions (
  decision_id        uuid PRIMARY KEY,
  org_id             uuid NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
  user_id            uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  thread_id          uuid,
  query              text NOT NULL,
  result             jsonb NOT NULL,
  recommendation     text NOT NULL,
  confidence         real NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  model              text NOT NULL,
  tokens_in          integer NOT NULL DEFAULT 0,
  tokens_out         integer NOT NULL DEFAULT 0,
  tokens_cache_read  integer NOT NULL DEFAULT 0,
  tokens_cache_write integer NOT NULL DEFAULT 0,
  cost_usd           numeric(12, 6) NOT NULL DEFAULT 0,
  latency_ms         integer NOT NULL DEFAULT 0,
  answered_from      text NOT NULL CHECK (answered_from IN ('l1', 'l2', 'semantic', 'agent')),
  created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  search_tsv         tsvector GENERATED ALWAYS AS (
    to_tsvector('english', coalesce(query, '') || ' ' || coalesce(recommendation, ''))
  ) STORED
);
-- Keyset pages: newest first within (org, user); decision_id breaks ties between equal timestamps.
CREATE INDEX decisions_keyset_idx ON decisions (org_id, user_id, created_at DESC, decision_id DESC);
CREATE INDEX decisions_org_created_idx ON decisions (org_id, created_at DESC);
CREATE INDEX decisions_thread_idx ON decisions (org_id, thread_id, created_at) WHERE thread_id IS NOT NULL;
CREATE INDEX decisions_search_tsv_idx ON decisions USING gin (search_tsv);

CREATE TABLE company_metrics (
  org_id uuid NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
  metric text NOT NULL,
  period date NOT NULL,
  value  numeric NOT NULL,
  unit   text NOT NULL DEFAULT '',
  PRIMARY KEY (org_id, metric, period)
);

-- Bumped whenever an org's company metrics change; caches record the version they were computed from.
CREATE TABLE org_data_versions (
  org_id     uuid PRIMARY KEY REFERENCES orgs (org_id) ON DELETE CASCADE,
  version    bigint NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);
