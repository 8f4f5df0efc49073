-- Idempotency-Key records of the streaming analyze route: one per (org, user, key). A replayed POST with the
-- same key and body streams the stored decision instead of starting a second analysis.
CREATE TABLE stream_idempotency (
  org_id      uuid NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
  user_id     uuid NOT NULL,
  key_hash    text NOT NULL,
  body_hash   text NOT NULL,
  decision_id uuid NOT NULL,
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id, key_hash)
);
CREATE INDEX stream_idempotency_created_idx ON stream_idempotency (created_at);
