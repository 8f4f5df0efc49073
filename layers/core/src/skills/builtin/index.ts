import { createSkillRegistry, type SkillRegistry } from '../registry';
import type { AnySkill } from '../types';
import { companyMetrics } from './company-metrics';
import { decisionMatrix } from './decision-matrix';
import { financialProjection } from './financial-projection';
import { pastDecisions } from './past-decisions';
import { riskAssessment } from './risk-assessment';
import { scenarioSimulation } from './scenario-simulation';

/** The built-in skills, in the (stable) order they are offered to the model. */
export const BUILTIN_SKILLS: readonly AnySkill[] = [
  financialProjection,
  scenarioSimulation,
  decisionMatrix,
  riskAssessment,
  companyMetrics,
  pastDecisions,
];

export interface BuiltinRegistryOptions {
  /** Another `past_decisions` (e.g. `createHybridPastDecisionsSkill`); it keeps the default's place. */
  pastDecisions?: AnySkill;
}

export function createBuiltinRegistry(options: BuiltinRegistryOptions = {}): SkillRegistry {
  const replacement = options.pastDecisions;
  if (replacement && replacement.name !== pastDecisions.name) {
    throw new Error(`createBuiltinRegistry: pastDecisions must be named ${pastDecisions.name}`);
  }
  return createSkillRegistry(
    replacement ? BUILTIN_SKILLS.map((s) => (s === pastDecisions ? replacement : s)) : BUILTIN_SKILLS,
  );
}

export {
  createHybridPastDecisionsSearch,
  createHybridPastDecisionsSkill,
  createPastDecisionsSkill,
  type PastDecisionsSearch,
} from './past-decisions';
export {
  companyMetrics,
  decisionMatrix,
  financialProjection,
  pastDecisions,
  riskAssessment,
  scenarioSimulation,
};
