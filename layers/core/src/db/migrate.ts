import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../hash';
import { detectCapabilities } from './capabilities';
import { splitSqlStatements } from './sql-split';
import type { Db, Queryable, Session } from './types';

/** Where the ordered SQL files live; a bundled Lambda copies them next to its bundle (MIGRATIONS_DIR). */
export function defaultMigrationsDir(): string {
  return process.env.MIGRATIONS_DIR ?? fileURLToPath(new URL('./migrations/', import.meta.url));
}

export interface MigrationFile {
  version: string;
  name: string;
  sql: string;
  checksum: string;
  requiresVector: boolean;
  /** false for `-- migrate:no-transaction`: the statements run one at a time, each on its own. */
  transaction: boolean;
  /** The statements of a no-transaction migration, in order (empty for a transactional one). */
  statements: string[];
  /** `-- migrate:accepts-checksum <sha256>`: earlier versions of the file a database may have recorded. */
  acceptedChecksums: string[];
  /** `-- migrate:only-if <SELECT returning one boolean>`: applied only where it returns true (else skipped). */
  onlyIf?: string;
}

export interface MigrationReport {
  applied: string[];
  skipped: string[];
  vector: boolean;
}

export interface MigrateOptions {
  /**
   * statement_timeout of the migration's session in ms; 0 (default) = none. Never the request path's
   * DB_STATEMENT_TIMEOUT_MS: the migrations run on a connection of their own (`Db.session`).
   */
  statementTimeoutMs?: number;
  /** How often a runner that finds the migration lock taken tries again (default 1000 ms). */
  lockPollMs?: number;
  /** Give up (with the holder's pid and application name) after waiting this long for the lock; default: wait. */
  lockTimeoutMs?: number;
  /** Called once when this runner has to wait for another one (tests). */
  onLockWait?: () => void;
  log?: (message: string, fields: Record<string, unknown>) => void;
  sleep?: (ms: number) => Promise<void>;
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)(\.vector)?\.sql$/;
const DIRECTIVE_RE = /^--\s*migrate:([a-z-]+)(?:[ \t]+(.*?))?\s*$/;

interface Directives {
  transaction: boolean;
  acceptedChecksums: string[];
  onlyIf?: string;
}

/**
 * The `-- migrate:…` lines of a file's leading comment block (before its first statement). A directive line
 * further down, or an unknown directive, is an error rather than something silently ignored.
 */
export function parseDirectives(file: string, sql: string): Directives {
  const out: Directives = { transaction: true, acceptedChecksums: [] };
  let header = true;
  for (const raw of sql.split('\n')) {
    const line = raw.trim();
    if (header && line !== '' && !line.startsWith('--')) header = false;
    const m = DIRECTIVE_RE.exec(line);
    if (!m) continue;
    if (!header)
      throw new Error(`${file}: "${line}" must be in the comment block before the first statement`);
    const [, name, arg = ''] = m;
    if (name === 'no-transaction' && arg === '') out.transaction = false;
    else if (name === 'accepts-checksum' && /^[0-9a-f]{64}$/.test(arg)) out.acceptedChecksums.push(arg);
    else if (name === 'only-if' && arg !== '') out.onlyIf = arg;
    else throw new Error(`${file}: directive not understood: "${line}"`);
  }
  return out;
}

const CREATE_INDEX_RE = /^CREATE\s+(?:UNIQUE\s+)?INDEX\b/i;
const DROP_INDEX_RE = /^DROP\s+INDEX\b/i;
const NAME = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const CONCURRENT_INDEX_RE = new RegExp(
  String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+(${NAME}(?:\.${NAME})?)\s+ON\b`,
  'i',
);

/** A statement on one line, cut at 100 characters, for error messages. */
const preview = (st: string) => {
  const one = st.replace(/\s+/g, ' ');
  return one.length > 100 ? `${one.slice(0, 100)}…` : one;
};

/**
 * A no-transaction migration is re-run from its first statement after a failure half-way, so its index
 * statements must be re-runnable: `CREATE INDEX … IF NOT EXISTS name`, `DROP INDEX … IF EXISTS`.
 */
function checkRerunnable(file: string, statements: string[]): void {
  for (const st of statements) {
    const head = preview(st);
    if (
      CREATE_INDEX_RE.test(st) &&
      !/^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?IF\s+NOT\s+EXISTS\s/i.test(st)
    ) {
      throw new Error(`${file} (no-transaction): "${head}" must say IF NOT EXISTS and name the index`);
    }
    if (DROP_INDEX_RE.test(st) && !/^DROP\s+INDEX\s+(?:CONCURRENTLY\s+)?IF\s+EXISTS\s/i.test(st)) {
      throw new Error(`${file} (no-transaction): "${head}" must say IF EXISTS`);
    }
  }
}

export async function readMigrations(dir = defaultMigrationsDir()): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const file of names) {
    const m = FILE_RE.exec(file);
    if (!m) throw new Error(`Migration file name not understood: ${file} (expected NNNN_name[.vector].sql)`);
    const sql = await readFile(`${dir.replace(/\/?$/, '/')}${file}`, 'utf8');
    const directives = parseDirectives(file, sql);
    const statements = directives.transaction ? [] : splitSqlStatements(sql);
    checkRerunnable(file, statements);
    files.push({
      version: m[1]!,
      name: file,
      sql,
      checksum: sha256Hex(sql),
      requiresVector: m[3] === '.vector',
      statements,
      ...directives,
    });
  }
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.version)) throw new Error(`Two migrations share version ${f.version}`);
    seen.add(f.version);
  }
  return files;
}

/** The advisory lock every runner takes (session-level here; older runners took it per transaction). */
const LOCK_KEY = 727274001;

/** Who holds the migration lock, for the message of a runner that gave up waiting. */
async function lockHolder(s: Queryable): Promise<string> {
  try {
    const r = await s.query<{ pid: number; application_name: string; state: string; query: string }>(
      `SELECT a.pid, a.application_name, a.state, left(a.query, 120) AS query
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = ${LOCK_KEY} AND l.objsubid = 1`,
    );
    const h = r.rows[0];
    return h
      ? `pid ${h.pid} (${h.application_name || 'no application_name'}, ${h.state}: ${h.query})`
      : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Takes the session-level migration lock, polling with pg_try_advisory_lock rather than waiting in
 * pg_advisory_lock: a backend waiting for a lock holds a snapshot, which the holder's CREATE INDEX CONCURRENTLY
 * would wait for in turn (a deadlock, which PostgreSQL resolves by cancelling one of them).
 */
async function acquireLock(s: Queryable, o: MigrateOptions): Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = Date.now();
  let waiting = false;
  for (;;) {
    const r = await s.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS locked`);
    if (r.rows[0]?.locked === true) return;
    if (!waiting) {
      waiting = true;
      o.onLockWait?.();
      o.log?.('migrations: waiting for another runner', { holder: await lockHolder(s) });
    }
    if (o.lockTimeoutMs !== undefined && Date.now() - started >= o.lockTimeoutMs) {
      throw new Error(
        `Migrations not run: another runner has held the migration lock for over ${o.lockTimeoutMs} ms: ${await lockHolder(s)}`,
      );
    }
    await sleep(o.lockPollMs ?? 1_000);
  }
}

/** Tries to enable pgvector; false where the server has no such extension (e.g. Debian's PostgreSQL 15). */
async function enableVector(s: Session): Promise<boolean> {
  try {
    await s.transaction((tx) => tx.exec('CREATE EXTENSION IF NOT EXISTS vector'));
  } catch {
    // not available on this server: vector migrations are skipped, the rest applies
  }
  return (await detectCapabilities(s)).vector;
}

/** An error's message with PostgreSQL's detail line, when it has one (e.g. which key is duplicated). */
const reason = (err: unknown) => {
  const { message, detail } = err as { message?: string; detail?: unknown };
  return typeof detail === 'string' && detail !== '' ? `${message} (${detail})` : String(message);
};

/** Marks a migration applied. */
async function record(q: Queryable, f: MigrationFile): Promise<void> {
  await q.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
    f.version,
    f.name,
    f.checksum,
  ]);
}

/**
 * A no-transaction migration: each statement alone (so CREATE/DROP INDEX CONCURRENTLY may run), an invalid index
 * left by an earlier failed `CREATE INDEX CONCURRENTLY` dropped before that statement runs again, the record
 * written only after the last statement succeeded.
 */
async function applyOutsideTransaction(s: Session, f: MigrationFile, o: MigrateOptions): Promise<void> {
  const total = f.statements.length;
  for (const [i, st] of f.statements.entries()) {
    try {
      const index = CONCURRENT_INDEX_RE.exec(st)?.[1];
      if (index) {
        const invalid = await s.query(
          'SELECT 1 FROM pg_index WHERE indexrelid = to_regclass($1) AND NOT indisvalid',
          [index],
        );
        if (invalid.rowCount > 0) {
          o.log?.('migrations: dropping an invalid index left by an interrupted build', {
            migration: f.name,
            index,
          });
          await s.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${index}`);
        }
      }
      await s.exec(st);
    } catch (err) {
      throw new Error(
        `Migration ${f.name} failed at statement ${i + 1} of ${total} (${preview(st)}): ${reason(err)}. ` +
          'It runs outside a transaction: the statements before this one stay applied, nothing is recorded, and ' +
          'the next run starts again from the first statement.',
        { cause: err },
      );
    }
  }
  await record(s, f);
}

/**
 * Applies the ordered SQL migrations that are not yet recorded in `schema_migrations`. One runner at a time:
 * the whole run holds a session-level advisory lock on a connection of its own (`Db.session`, released on
 * success and failure; the connection is closed afterwards). Each migration runs in its own transaction, or —
 * marked `-- migrate:no-transaction` — statement by statement outside one (CREATE INDEX CONCURRENTLY), recorded
 * only once all of them succeeded. Files named `*.vector.sql` are applied only where pgvector is available, and
 * are applied later if it becomes available; likewise files whose `-- migrate:only-if` query returns false. A
 * recorded migration whose file changed is an error, unless the file lists the recorded checksum as accepted
 * (`-- migrate:accepts-checksum`).
 */
export async function migrate(db: Db, dir?: string, options: MigrateOptions = {}): Promise<MigrationReport> {
  const files = await readMigrations(dir);
  const report = await db.session(
    async (s) => {
      await acquireLock(s, options);
      try {
        return await applyAll(s, files, options);
      } finally {
        await s.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(() => {});
      }
    },
    { statementTimeoutMs: options.statementTimeoutMs ?? 0 },
  );
  await db.refreshCapabilities();
  return report;
}

async function applyAll(s: Session, files: MigrationFile[], o: MigrateOptions): Promise<MigrationReport> {
  await s.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const vector = await enableVector(s);
  const recorded = new Map(
    (
      await s.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations')
    ).rows.map((r) => [r.version, r.checksum]),
  );
  const applied: string[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    const checksum = recorded.get(f.version);
    if (checksum !== undefined) {
      if (checksum !== f.checksum && !f.acceptedChecksums.includes(checksum)) {
        throw new Error(`Migration ${f.name} was changed after it was applied (checksum mismatch)`);
      }
      continue;
    }
    if (f.requiresVector && !vector) {
      skipped.push(f.name);
      continue;
    }
    if (f.onlyIf !== undefined) {
      const r = await s.query(f.onlyIf);
      const first = r.rows[0] ? Object.values(r.rows[0])[0] : undefined;
      if (first !== true) {
        skipped.push(f.name);
        continue;
      }
    }
    if (f.transaction) {
      try {
        await s.transaction(async (tx) => {
          await tx.exec(f.sql);
          await record(tx, f);
        });
      } catch (err) {
        throw new Error(`Migration ${f.name} failed (rolled back, not recorded): ${reason(err)}`, {
          cause: err,
        });
      }
    } else {
      await applyOutsideTransaction(s, f, o);
    }
    applied.push(f.name);
  }
  return { applied, skipped, vector };
}
