/**
 * The operator scripts against the embedded database: create-user and import-metrics refuse clearly (exit 3,
 * nothing written) while a local runtime holds the PGlite folder (its lock file names a live process), and
 * work when it does not.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ceo-scripts-'));
const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: '', PGLITE_DIR: '', STAGE: 'local' };
delete (env as Record<string, string | undefined>).DATABASE_URL;
delete (env as Record<string, string | undefined>).PGLITE_DIR;

async function script(args: string[]) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', ...args], { env, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('operator scripts and the local runtime lock', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('create-user and import-metrics refuse while npm start holds the embedded database', async () => {
    // this test process stands in for `npm start`: a live pid in the lock file
    writeFileSync(
      join(dir, 'pglite.lock'),
      JSON.stringify({ pid: process.pid, url: 'http://127.0.0.1:3000' }),
    );
    try {
      const user = await script([
        'scripts/create-user.ts',
        '--email',
        'ops@example.test',
        '--password',
        'a-long-password-1',
        '--org',
        'Ops Inc',
      ]);
      expect(user.code).toBe(3);
      expect(user.stderr).toMatch(/holds the embedded database/);
      expect(user.stderr).toMatch(/Nothing was written/);
      const csv = join(dir, 'm.csv');
      writeFileSync(csv, 'metric,period,value\nrevenue,2026-01,1\n');
      const imp = await script(['scripts/import-metrics.ts', '--email', 'ops@example.test', '--file', csv]);
      expect(imp.code).toBe(3);
      expect(imp.stderr).toMatch(/POST \/api\/v1\/org\/metrics/);
      expect(existsSync(join(dir, 'pglite'))).toBe(false);
    } finally {
      rmSync(join(dir, 'pglite.lock'), { force: true });
    }
  }, 180_000);

  it('without the lock, create-user then import-metrics write to the embedded database', async () => {
    const user = await script([
      'scripts/create-user.ts',
      '--email',
      'ops@example.test',
      '--password',
      'a-long-password-1',
      '--org',
      'Ops Inc',
      '--role',
      'admin',
    ]);
    expect(user.code, user.stderr).toBe(0);
    const created = JSON.parse(user.stdout.trim().split('\n').at(-1)!);
    const csv = join(dir, 'm.csv');
    writeFileSync(csv, 'metric,period,value,unit\nrevenue,2026-01,100,USD\nrevenue,2026-02,120,USD\n');
    const imp = await script(['scripts/import-metrics.ts', '--email', 'ops@example.test', '--file', csv]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      org_id: created.org_id,
      inserted: 2,
      metrics: ['revenue'],
    });
  }, 180_000);
});
