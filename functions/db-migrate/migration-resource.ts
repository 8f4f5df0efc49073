import type { Db } from '#core/db/types';

/** The CloudFormation custom-resource request, as the CDK Provider framework hands it to `onEvent`. */
export interface MigrationEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  ResourceProperties?: Record<string, unknown>;
}

export interface MigrationResponse {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

export interface MigrationReport {
  applied: string[];
  skipped: string[];
  vector: boolean;
}

export interface MigrationDeps {
  /** Opens a connection pool; called again after a failed first use (the proxy may still be registering). */
  openDb(): Promise<Db>;
  migrate(db: Db): Promise<MigrationReport>;
  log(message: string, fields: Record<string, unknown>): void;
  sleep(ms: number): Promise<void>;
  /** Connection attempts before giving up (default 12). */
  connectAttempts?: number;
  /** Wait between attempts (default 10 s: a new RDS Proxy takes a minute or two to register its target). */
  retryDelayMs?: number;
}

export const PHYSICAL_ID = 'ceo-agent-schema-migrations';

/** CloudFormation limits a response to 4 KB: keep the lists short. */
function summarize(names: string[]): string {
  const text = names.join(',');
  return text.length > 1000 ? `${text.slice(0, 990)}…(${names.length})` : text;
}

async function connect(deps: MigrationDeps): Promise<Db> {
  const attempts = deps.connectAttempts ?? 12;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let db: Db | undefined;
    try {
      db = await deps.openDb();
      await db.ping(5_000);
      return db;
    } catch (err) {
      lastError = err;
      await db?.close().catch(() => {});
      deps.log('database not reachable yet', { attempt, attempts, error: (err as Error).message });
      if (attempt < attempts) await deps.sleep(deps.retryDelayMs ?? 10_000);
    }
  }
  throw new Error(`Database unreachable after ${attempts} attempts: ${(lastError as Error)?.message}`);
}

/**
 * Create/Update: applies the pending SQL migrations (idempotent: already-applied files are skipped by
 * checksum, a changed applied file fails the deploy). Delete: does nothing — removing the resource must never
 * drop the schema or its data.
 */
export async function handleMigrationEvent(
  event: MigrationEvent,
  deps: MigrationDeps,
): Promise<MigrationResponse> {
  const physicalId = event.PhysicalResourceId ?? PHYSICAL_ID;
  if (event.RequestType === 'Delete') {
    deps.log('delete: schema left in place', { physicalId });
    return { PhysicalResourceId: physicalId };
  }
  const db = await connect(deps);
  try {
    const report = await deps.migrate(db);
    deps.log('migrations done', { ...report });
    return {
      PhysicalResourceId: physicalId,
      Data: {
        Applied: summarize(report.applied),
        Skipped: summarize(report.skipped),
        AppliedCount: String(report.applied.length),
        Vector: String(report.vector),
      },
    };
  } finally {
    await db.close().catch(() => {});
  }
}
