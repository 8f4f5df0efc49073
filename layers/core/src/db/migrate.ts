import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../hash';
import type { Db, Queryable } from './types';

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
}

export interface MigrationReport {
  applied: string[];
  skipped: string[];
  vector: boolean;
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)(\.vector)?\.sql$/;

export async function readMigrations(dir = defaultMigrationsDir()): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const file of names) {
    const m = FILE_RE.exec(file);
    if (!m) throw new Error(`Migration file name not understood: ${file} (expected NNNN_name[.vector].sql)`);
    const sql = await readFile(`${dir.replace(/\/?$/, '/')}${file}`, 'utf8');
    files.push({
      version: m[1]!,
      name: file,
      sql,
      checksum: sha256Hex(sql),
      requiresVector: m[3] === '.vector',
    });
  }
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.version)) throw new Error(`Two migrations share version ${f.version}`);
    seen.add(f.version);
  }
  return files;
}

/** Tries to enable pgvector; false where the server has no such extension (e.g. Debian's PostgreSQL 15). */
async function enableVector(db: Db): Promise<boolean> {
  try {
    await db.transaction((tx) => tx.exec('CREATE EXTENSION IF NOT EXISTS vector'));
  } catch {
    // not available on this server: vector migrations are skipped, the rest applies
  }
  return (await db.refreshCapabilities()).vector;
}

async function lock(tx: Queryable, db: Db): Promise<void> {
  // Concurrent deploys/cold starts: only one runner at a time. Transaction-scoped, released on commit.
  if (db.kind === 'pg') await tx.query('SELECT pg_advisory_xact_lock(727274001)');
}

/**
 * Applies the ordered SQL migrations that are not yet recorded in `schema_migrations`, each in its own
 * transaction. Files named `*.vector.sql` are applied only where pgvector is available, and are applied
 * later if it becomes available. A recorded migration whose file changed is an error.
 */
export async function migrate(db: Db, dir?: string): Promise<MigrationReport> {
  const files = await readMigrations(dir);
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const vector = await enableVector(db);
  const applied: string[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    if (f.requiresVector && !vector) {
      skipped.push(f.name);
      continue;
    }
    await db.transaction(async (tx) => {
      await lock(tx, db);
      const existing = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migrations WHERE version = $1',
        [f.version],
      );
      const row = existing.rows[0];
      if (row) {
        if (row.checksum !== f.checksum) {
          throw new Error(`Migration ${f.name} was changed after it was applied (checksum mismatch)`);
        }
        return;
      }
      await tx.exec(f.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        f.version,
        f.name,
        f.checksum,
      ]);
      applied.push(f.name);
    });
  }
  return { applied, skipped, vector };
}
