import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signingTarget } from '#core/db/iam-token';
import { migrate } from '#core/db/migrate';
import { createPgDb } from '#core/db/pg';
import type { Db } from '#core/db/types';
import { createPgliteDb } from '../../bin/local/pglite';
import { connectionStringWithPassword } from '../../functions/db-migrate/iam-connection';
import {
  handleMigrationEvent,
  type MigrationDeps,
  PHYSICAL_ID,
} from '../../functions/db-migrate/migration-resource';
import { closedPort } from '../support/ports';

const unreachableDb = (port: number): Db =>
  createPgDb({
    connectionString: `postgresql://nobody@127.0.0.1:${port}/none`,
    poolMax: 1,
    statementTimeoutMs: 1_000,
    connectTimeoutMs: 500,
  });

describe('db-migrate custom resource', () => {
  let db: Db;
  const logs: string[] = [];
  const deps = (over: Partial<MigrationDeps> = {}): MigrationDeps => ({
    openDb: async () => db,
    migrate: (d) => migrate(d),
    log: (message) => logs.push(message),
    sleep: async () => {},
    retryDelayMs: 0,
    ...over,
  });

  beforeAll(async () => {
    db = await createPgliteDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('applies the migrations on Create and reports them', async () => {
    const keepOpen = { ...db, close: async () => {} } as Db;
    const res = await handleMigrationEvent({ RequestType: 'Create' }, deps({ openDb: async () => keepOpen }));
    expect(res.PhysicalResourceId).toBe(PHYSICAL_ID);
    expect(res.Data?.Applied).toContain('0001_core.sql');
    expect(Number(res.Data?.AppliedCount)).toBeGreaterThan(0);
    expect(res.Data?.Vector).toBe('true');
    const tables = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('decisions', 'schema_migrations')",
    );
    expect(tables.rows[0]?.n).toBe(2);
  });

  it('applies nothing on an Update with no new files, keeping the physical id', async () => {
    const keepOpen = { ...db, close: async () => {} } as Db;
    const res = await handleMigrationEvent(
      { RequestType: 'Update', PhysicalResourceId: PHYSICAL_ID },
      deps({ openDb: async () => keepOpen }),
    );
    expect(res).toMatchObject({ PhysicalResourceId: PHYSICAL_ID, Data: { AppliedCount: '0', Applied: '' } });
  });

  it('never touches the database on Delete', async () => {
    let opened = 0;
    const res = await handleMigrationEvent(
      { RequestType: 'Delete', PhysicalResourceId: PHYSICAL_ID },
      deps({
        openDb: async () => {
          opened++;
          return db;
        },
      }),
    );
    expect(res).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(opened).toBe(0);
  });

  it('retries while the database refuses connections, then migrates', async () => {
    const port = await closedPort();
    const keepOpen = { ...db, close: async () => {} } as Db;
    let attempts = 0;
    const res = await handleMigrationEvent(
      { RequestType: 'Update', PhysicalResourceId: PHYSICAL_ID },
      deps({
        openDb: async () => (++attempts < 3 ? unreachableDb(port) : keepOpen),
      }),
    );
    expect(attempts).toBe(3);
    expect(res.PhysicalResourceId).toBe(PHYSICAL_ID);
    expect(logs.filter((l) => l === 'database not reachable yet')).toHaveLength(2);
  });

  it('fails the deploy after the last attempt with the connection error', async () => {
    const port = await closedPort();
    await expect(
      handleMigrationEvent(
        { RequestType: 'Create' },
        deps({ openDb: async () => unreachableDb(port), connectAttempts: 2 }),
      ),
    ).rejects.toThrow(/Database unreachable after 2 attempts: .*ECONNREFUSED/);
  });
});

describe('IAM token as the connection password', () => {
  const url = 'postgresql://ceo_admin@proxy.proxy-abc.eu-west-1.rds.amazonaws.com:5432/ceo_agent';
  const token =
    'proxy.proxy-abc.eu-west-1.rds.amazonaws.com:5432/?Action=connect&DBUser=ceo_admin&X-Amz-Signature=ab%2Fcd=&X-Amz-Expires=900';

  it('percent-encodes the token so the URL parses back to it', () => {
    const out = new URL(connectionStringWithPassword(url, token));
    expect(decodeURIComponent(out.password)).toBe(token);
    expect(out.username).toBe('ceo_admin');
    expect(out.hostname).toBe('proxy.proxy-abc.eu-west-1.rds.amazonaws.com');
    expect(out.pathname).toBe('/ceo_agent');
  });

  it('carries a real RDS Signer token through the URL to the pg client unchanged', async () => {
    const { Signer } = await import('@aws-sdk/rds-signer');
    // Signing is local (SigV4 presign): static test credentials, no network.
    const signer = new Signer({
      ...signingTarget(url),
      region: 'eu-west-1',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
    });
    const real = await signer.getAuthToken();
    expect(real).toContain('Action=connect');
    expect(real).toContain('DBUser=ceo_admin');
    const client = new pg.Client({ connectionString: connectionStringWithPassword(url, real) });
    const params = (
      client as unknown as { connectionParameters: { password: string; user: string; host: string } }
    ).connectionParameters;
    expect(params.password).toBe(real);
    expect(params.user).toBe('ceo_admin');
    expect(params.host).toBe('proxy.proxy-abc.eu-west-1.rds.amazonaws.com');
  });

  it('signs for the URL host, port and user', () => {
    expect(signingTarget(url)).toEqual({
      hostname: 'proxy.proxy-abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      username: 'ceo_admin',
    });
  });

  it('refuses URLs it cannot sign for', () => {
    expect(() => connectionStringWithPassword('mysql://u@h/db', 'x')).toThrow(/postgresql/);
    expect(() => connectionStringWithPassword('postgresql://h:5432/db', 'x')).toThrow(/no user name/);
  });
});

describe.runIf(process.env.DATABASE_URL)('db-migrate handler against PostgreSQL (DATABASE_URL)', () => {
  const serverUrl = process.env.DATABASE_URL ?? '';
  const name = `ceo_migrate_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    process.env.DATABASE_URL = serverUrl;
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('creates the schema in an empty database through the real handler, then finds nothing to do', async () => {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    process.env.DATABASE_URL = url.toString();
    try {
      const { handler } = await import('../../functions/db-migrate/handler');
      const first = await handler({ RequestType: 'Create' });
      expect(first.PhysicalResourceId).toBe(PHYSICAL_ID);
      expect(first.Data?.Applied).toContain('0001_core.sql');
      const second = await handler({ RequestType: 'Update', PhysicalResourceId: PHYSICAL_ID });
      expect(second.Data?.AppliedCount).toBe('0');
    } finally {
      process.env.DATABASE_URL = serverUrl;
    }
  });
});
