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

export function createBuiltinRegistry(): SkillRegistry {
  return createSkillRegistry(BUILTIN_SKILLS);
}

export {
  companyMetrics,
  decisionMatrix,
  financialProjection,
  pastDecisions,
  riskAssessment,
  scenarioSimulation,
};
