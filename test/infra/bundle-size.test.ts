import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/app';
import { LOCAL_ONLY_PACKAGES } from '../../lib/constructs/bundling';
import { allFunctionEntries, DB_MIGRATE } from '../../lib/functions';
import { DEFAULT_BUDGET_BYTES, measureBundle, packageOf } from '../../scripts/bundle-size';

describe('bundle-size script', () => {
  it('attributes bundled files to their package', () => {
    expect(packageOf('node_modules/pg/lib/client.js')).toBe('pg');
    expect(packageOf('node_modules/@aws-sdk/client-sqs/dist-es/index.js')).toBe('@aws-sdk/client-sqs');
    expect(packageOf('node_modules/a/node_modules/@smithy/core/x.js')).toBe('@smithy/core');
    expect(packageOf('layers/core/src/db/pg.ts')).toBe('(app)');
  });

  it('bundles every function like the CDK: under 1 MB, without the local stand-ins, Claude only where used', async () => {
    const rows = [];
    for (const spec of allFunctionEntries()) rows.push(await measureBundle(spec, PROJECT_ROOT));
    console.log(
      `[bundle-size] ${rows.map((r) => `${r.id} ${(r.jsBytes / 1024).toFixed(0)} KB`).join(', ')} (budget ${DEFAULT_BUDGET_BYTES / 1024} KB)`,
    );
    for (const r of rows) {
      expect(r.forbidden, r.id).toEqual([]);
      expect(
        r.topPackages.map((p) => p.name),
        r.id,
      ).not.toContain(LOCAL_ONLY_PACKAGES[0]);
      expect(r.jsBytes, r.id).toBeLessThanOrEqual(DEFAULT_BUDGET_BYTES);
      // the routes that never call Claude carry no Anthropic SDK; the stage's unused adapters are dropped
      const spec = allFunctionEntries().find((f) => f.id === r.id)!;
      expect(r.packages.includes('@anthropic-ai/sdk'), r.id).toBe(spec.needs.llm);
      expect(r.packages, r.id).not.toContain('@aws-sdk/client-bedrock-runtime');
    }
    expect(DEFAULT_BUDGET_BYTES).toBe(1024 * 1024);
    const migrate = rows.find((r) => r.id === DB_MIGRATE.id)!;
    expect(migrate.topPackages.map((p) => p.name)).toContain('pg');
  }, 180_000);

  it('flags a bundle over its budget', async () => {
    const size = await measureBundle(DB_MIGRATE, PROJECT_ROOT, 10 * 1024);
    expect(size.overBudget).toBe(true);
  });
});
