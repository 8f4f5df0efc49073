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

export interface DbCapabilities {
  /** The `vector` extension is installed: vector columns, HNSW indexes and similarity search exist. */
  vector: boolean;
}

export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Detected once (after migrations, call `refreshCapabilities`). */
  capabilities(): Promise<DbCapabilities>;
  refreshCapabilities(): Promise<DbCapabilities>;
  /** Round-trip check for /health; rejects after `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}
