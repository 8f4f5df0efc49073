import type { TieredCache } from '../cache/tiered';
import type { SkillExecutorOptions } from './executor';

/**
 * The skill-result cache: pure skills (their output depends on their input only) go through the tiered cache
 * under `v{n}:{org}:skill:{name}:{sha256({version, input})}` (`@` is not allowed in a key segment); only successful runs are stored (a throw is
 * never cached). Skills that read the org's data (company_metrics, past_decisions) always run: they are
 * single indexed queries, and caching them would need the org's data version in every key.
 */
export function createSkillResultCache(cache: TieredCache): NonNullable<SkillExecutorOptions['wrapRun']> {
  return async (skill, input, ctx, run) => {
    if (skill.dependsOn !== 'pure') return run();
    const key = cache.key(ctx.orgId, 'skill', skill.name, { version: skill.version, input });
    return (await cache.getOrLoad(key, 'skill', run)).value;
  };
}
