-- requires: vector
-- Applied only where `CREATE EXTENSION vector` works (PGlite with pgvector, RDS/Aurora); skipped elsewhere.
-- 256 dimensions: the offline embedder's size and a size Titan Text Embeddings V2 supports natively.
ALTER TABLE decisions ADD COLUMN embedding vector(256);
CREATE INDEX decisions_embedding_hnsw_idx ON decisions USING hnsw (embedding vector_cosine_ops);
