/** The database seam: the `pg` pool adapter (RDS Proxy in AWS) and the embedded PGlite adapter implement it. */
export type SqlParam =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | readonly string[]
  | readonly number[];

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  /** One parameterised statement ($1, $2, …). Values are always bound, never spliced into the text. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<Row>>;
  /** Several statements without parameters (migrations, seeds). */
  exec(sql: string): Promise<void>;
}

/** One connection held for a while, outside any transaction (`Db.session`). */
export interface Session extends Queryable {
  /** Runs `fn` in one transaction on this session's connection; rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface SessionOptions {
  /** The session's statement_timeout in ms; 0 = none. Default: the Db's own (the request-path one). */
  statementTimeoutMs?: number;
}

export interface DbCapabilities {
  /** The `vector` extension is installed: vector columns, HNSW indexes and similarity search exist. */
  vector: boolean;
}

export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one connection of its own, outside a transaction, for work that needs session state: the
   * migration runner's session-level advisory lock and `CREATE INDEX CONCURRENTLY`. `pg`: a dedicated connection
   * (not from the pool), closed afterwards, so no session state — a lock, a SET — outlives `fn` or reaches the
   * request path (an RDS Proxy pins it only while it lasts). PGlite: its single session; sessions run one at a
   * time, other queries may interleave between the session's statements.
   */
  session<T>(fn: (s: Session) => Promise<T>, opts?: SessionOptions): Promise<T>;
  /** Detected once (after migrations, call `refreshCapabilities`). */
  capabilities(): Promise<DbCapabilities>;
  refreshCapabilities(): Promise<DbCapabilities>;
  /** Round-trip check for /health; rejects after `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}
