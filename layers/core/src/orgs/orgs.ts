import type { Queryable } from '../db/types';
import { initDataVersion } from '../decisions/data-version';

/** Creates an org (idempotent) with its data version at 0. */
export async function createOrg(db: Queryable, org: { orgId: string; name: string }): Promise<void> {
  await db.query('INSERT INTO orgs (org_id, name) VALUES ($1, $2) ON CONFLICT (org_id) DO NOTHING', [
    org.orgId,
    org.name,
  ]);
  await initDataVersion(db, org.orgId);
}
