import type { DecisionOption, DecisionRisk } from '../../decisions/types';
import type { CompanyMetricsOutput } from '../../skills/builtin/company-metrics';
import type { DecisionMatrixOutput } from '../../skills/builtin/decision-matrix';
import type { FinancialProjectionOutput } from '../../skills/builtin/financial-projection';
import type { PastDecisionsOutput } from '../../skills/builtin/past-decisions';
import type { RiskAssessmentOutput } from '../../skills/builtin/risk-assessment';
import type { ScenarioSimulationOutput } from '../../skills/builtin/scenario-simulation';
import type { SubmittedAnalysis } from '../analysis-schema';
import { money, pct, sentenceCase, signedMoney, years } from './format';
import type { OfflinePlan, PlanDetails, PlannedCall } from './planner';

/** What the skills returned, by skill name (the offline model runs each skill at most once). */
export interface SkillOutcomes {
  outputs: Map<string, unknown>;
  errors: Map<string, string>;
  /** the inputs the planner sent, for reading decision-matrix scores */
  calls: PlannedCall[];
}

interface Facts {
  fin?: FinancialProjectionOutput;
  sim?: ScenarioSimulationOutput;
  matrix?: DecisionMatrixOutput;
  risk?: RiskAssessmentOutput;
  metrics?: CompanyMetricsOutput;
  past?: PastDecisionsOutput;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round2 = (v: number) => Math.round(v * 100) / 100;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function factsOf(o: SkillOutcomes): Facts {
  return {
    fin: o.outputs.get('financial_projection') as FinancialProjectionOutput | undefined,
    sim: o.outputs.get('scenario_simulation') as ScenarioSimulationOutput | undefined,
    matrix: o.outputs.get('decision_matrix') as DecisionMatrixOutput | undefined,
    risk: o.outputs.get('risk_assessment') as RiskAssessmentOutput | undefined,
    metrics: o.outputs.get('company_metrics') as CompanyMetricsOutput | undefined,
    past: o.outputs.get('past_decisions') as PastDecisionsOutput | undefined,
  };
}

const CRITERION_LABEL: Record<string, string> = {
  cost_3y: 'three-year cost',
  time_to_value: 'time to value',
  fit_and_control: 'fit and control',
  delivery_confidence: 'delivery confidence',
  maintenance_load: 'low maintenance load',
  upside: 'upside',
  cost: 'cost',
  risk: 'risk',
  reversibility: 'reversibility',
  strategic_fit: 'strategic fit',
};

const ARCHETYPE_SUMMARY: Record<string, (proposal: string) => string> = {
  'Staged pilot': (p) =>
    `${sentenceCase(p)} in one segment or market first, with funding released at stage gates.`,
  'Status quo': (p) => `Do not ${p} for now; keep investing in the current business.`,
  'Full commitment': (p) => `${sentenceCase(p)} at full scale now.`,
};

function matrixOptions(
  matrix: DecisionMatrixOutput,
  calls: PlannedCall[],
  proposal: string | undefined,
): DecisionOption[] {
  const input = calls.find((c) => c.name === 'decision_matrix')?.input as
    | { options: Array<{ name: string; scores: Record<string, number> }> }
    | undefined;
  return matrix.ranking.map((r) => {
    const scores = input?.options.find((o) => o.name === r.name)?.scores ?? {};
    const label = (k: string) => CRITERION_LABEL[k] ?? k.replace(/_/g, ' ');
    const pros = Object.entries(scores)
      .filter(([, s]) => s >= 7)
      .map(([k, s]) => `Strong on ${label(k)} (${s}/10)`);
    const cons = Object.entries(scores)
      .filter(([, s]) => s <= 4)
      .map(([k, s]) => `Weak on ${label(k)} (${s}/10)`);
    const archetype = ARCHETYPE_SUMMARY[r.name];
    return {
      name: r.name,
      summary: archetype
        ? archetype(proposal ?? 'proceed')
        : `Weighted score ${r.score.toFixed(2)} of 10 (rank ${r.rank} of ${matrix.ranking.length}).`,
      score: clamp(r.normalized, 0, 1),
      pros,
      cons,
    };
  });
}

function financialOptions(plan: OfflinePlan, details: PlanDetails, f: Facts): DecisionOption[] {
  const { fin, sim } = f;
  if (!fin) return [];
  const lossP = sim?.probability_of_loss ?? 0.5;
  if (plan.kind === 'pricing' && details.pricing) {
    const p = details.pricing;
    const verb = p.change >= 0 ? 'Raise' : 'Cut';
    const goodness = clamp(0.5 + p.deltaProfit / Math.max(1, 4 * Math.abs(p.baseRevenue * p.change)), 0, 1);
    return [
      {
        name: `${verb} prices by ${pct(Math.abs(p.change), 0)} in stages`,
        summary:
          'Phase the change in by segment, grandfather key accounts, with a rollback trigger on churn.',
        score: round2(clamp(goodness * (1 - 0.5 * lossP) + 0.1, 0, 1)),
        pros: [
          `Expected profit impact ${money(p.deltaProfit)} a year`,
          'Limits churn exposure while learning real elasticity',
        ],
        cons: ['Slower to realise the full gain'],
      },
      {
        name: `${verb} prices by ${pct(Math.abs(p.change), 0)} across the board`,
        summary: 'Apply the new prices to all customers at the next billing cycle.',
        score: round2(clamp(goodness * (1 - lossP), 0, 1)),
        pros: [`Full ${money(p.deltaProfit)} a year from the start if demand holds`],
        cons: [`${pct(lossP, 0)} simulated chance that profit falls`, 'Highest churn exposure'],
      },
      {
        name: 'Keep current prices',
        summary: 'No change; revisit pricing at the next planning cycle.',
        score: 0.5,
        pros: ['No churn or competitive risk from pricing'],
        cons: ['Forgoes the expected margin gain'],
      },
    ].sort((a, b) => b.score - a.score);
  }
  const fc = details.financial;
  const invest = fc?.investment ?? -(fin.cash_flows[0] ?? 0);
  const proceedScore = clamp(0.5 + fin.npv / (2 * Math.max(1, invest)), 0, 1) * (1 - 0.5 * lossP);
  const pros: string[] = [];
  const cons: string[] = [];
  (fin.npv >= 0 ? pros : cons).push(`NPV ${money(fin.npv)} at ${pct(fin.discount_rate, 0)}`);
  if (fin.irr !== null) (fin.irr >= fin.discount_rate ? pros : cons).push(`IRR ${pct(fin.irr)}`);
  if (fin.payback_years !== null) pros.push(`Pays back in ${years(fin.payback_years)}`);
  else cons.push('Does not pay back within the horizon');
  if (sim) (lossP <= 0.2 ? pros : cons).push(`${pct(lossP, 0)} simulated chance of a loss`);
  return [
    {
      name: plan.kind === 'expansion' ? 'Expand as modelled' : `Invest ${money(invest)} as proposed`,
      summary: `Commit ${money(invest)} for about ${money((fc?.annualRevenue ?? 0) - (fc?.annualCost ?? 0))} of net cash a year over ${fin.cash_flows.length - 1} years.`,
      score: round2(proceedScore),
      pros,
      cons,
    },
    {
      name: 'Do not proceed',
      summary: 'Keep the capital for the next-best use.',
      score: 0.5,
      pros: ['No capital at risk'],
      cons: fin.npv > 0 ? [`Forgoes an NPV of ${money(fin.npv)}`] : [],
    },
  ].sort((a, b) => b.score - a.score);
}

function risksOf(f: Facts): DecisionRisk[] {
  return (f.risk?.risks ?? []).slice(0, 5).map((r) => ({
    name: r.name,
    likelihood: r.likelihood,
    impact: r.impact,
    score: r.score,
    mitigation: r.mitigation,
  }));
}

function recommendationFor(plan: OfflinePlan, details: PlanDetails, f: Facts): string {
  const { fin, sim, matrix, risk } = f;
  const lossP = sim?.probability_of_loss;
  const topRisk = risk?.risks[0];
  if (plan.kind === 'pricing' && details.pricing && fin) {
    const p = details.pricing;
    const verb = p.change >= 0 ? 'raise' : 'cut';
    const risks = risk
      ? ` Main risks: ${risk.risks
          .slice(0, 2)
          .map((r) => r.name.toLowerCase())
          .join(' and ')}.`
      : '';
    if (p.deltaProfit > 0 && (lossP ?? 0) < 0.3) {
      return `${sentenceCase(verb)} prices by ${pct(Math.abs(p.change), 0)}, phased in by segment with a churn rollback trigger: expected profit impact is ${money(p.deltaProfit)} a year${lossP !== undefined ? ` with a ${pct(lossP, 0)} chance of a loss` : ''}.${risks}`;
    }
    return `Do not ${verb} prices by ${pct(Math.abs(p.change), 0)} across the board; test it on one segment first: the expected profit impact is ${money(p.deltaProfit)} a year${lossP !== undefined ? ` with a ${pct(lossP, 0)} chance of a loss` : ''}.${risks}`;
  }
  if (matrix && plan.kind !== 'investment') {
    const [first, second] = matrix.ranking;
    if (first && second && matrix.margin === 0) {
      return `No clear winner between ${matrix.ranking.map((r) => r.name).join(' and ')} from the question alone: score them on cost, time to value, strategic fit and risk with your own data before deciding.`;
    }
    const proposal = plan.proposal ?? 'proceed';
    const stability = matrix.robust
      ? 'and the ranking holds when any single weight moves ±20%'
      : 'but the ranking is sensitive to the weights, so confirm the priorities first';
    if (first?.name === 'Staged pilot') {
      const finText =
        fin && lossP !== undefined
          ? ` The modelled case returns an NPV of ${money(fin.npv)} with a ${pct(lossP, 0)} chance of a loss, so stage the money behind milestones.`
          : '';
      return `${sentenceCase(proposal)} through a staged pilot rather than a full commitment: it scores ${first.score.toFixed(2)}/10 against ${second?.score.toFixed(2)} for the runner-up (${second?.name}), ${stability}.${finText}`;
    }
    return `Choose ${first?.name}: it scores ${first?.score.toFixed(2)}/10 against ${second?.score.toFixed(2)} for ${second?.name}, ${stability}.${topRisk ? ` Watch the top risk: ${topRisk.name.toLowerCase()}.` : ''}`;
  }
  if (fin && (plan.kind === 'investment' || plan.kind === 'expansion')) {
    const invest = details.financial?.investment ?? -(fin.cash_flows[0] ?? 0);
    const irrText = fin.irr === null ? '' : ` (IRR ${pct(fin.irr)})`;
    const payback =
      fin.payback_years === null
        ? 'does not pay back within the horizon'
        : `pays back in ${years(fin.payback_years)}`;
    if (fin.npv >= 0 && (lossP ?? 0) <= 0.2) {
      return `Proceed with the ${money(invest)} investment: at a ${pct(fin.discount_rate, 0)} discount rate it returns an NPV of ${money(fin.npv)}${irrText} and ${payback}.`;
    }
    if (fin.npv >= 0) {
      return `Proceed in stages: the ${money(invest)} investment has a positive NPV of ${money(fin.npv)}${irrText} but a ${pct(lossP ?? 0, 0)} simulated chance of losing money, so release the funds in tranches tied to revenue milestones.`;
    }
    const needed = fin.break_even_annual_cash_flow;
    const revenue = details.financial?.annualRevenue ?? 0;
    const expected = revenue - (details.financial?.annualCost ?? 0);
    const margin =
      needed !== null && revenue > 0 && needed < revenue
        ? ` Approve only if the line can run at a ${pct(needed / revenue, 0)} margin or better.`
        : '';
    return `Do not approve the ${money(invest)} investment as proposed: at a ${pct(fin.discount_rate, 0)} discount rate the NPV is ${money(fin.npv)}${irrText}; it needs about ${needed === null ? 'more' : money(needed)} of net cash a year to break even, against ${money(expected)} expected.${margin}`;
  }
  return `Proceed only with a named owner, clear success metrics and a review point${topRisk ? `; the main risk is ${topRisk.name.toLowerCase()}` : ''}.`;
}

function rationaleFor(plan: OfflinePlan, details: PlanDetails, f: Facts, o: SkillOutcomes): string {
  const parts: string[] = [];
  const { fin, sim, matrix, risk, metrics, past } = f;
  if (details.pricing) {
    const p = details.pricing;
    parts.push(
      `A ${pct(p.change, 0)} price change on ${money(p.baseRevenue)} of annual revenue, with elasticity ${p.elasticity}, changes volume by ${pct(p.elasticity * p.change)}: revenue ${signedMoney(p.deltaRevenue)}, variable costs ${signedMoney(p.deltaCost)}, profit ${signedMoney(p.deltaProfit)} a year.`,
    );
  }
  if (fin) {
    const irrText = fin.irr === null ? 'no IRR (the cash flows never change sign)' : `IRR ${pct(fin.irr)}`;
    const payback =
      fin.payback_years === null ? 'no payback within the horizon' : `payback in ${years(fin.payback_years)}`;
    const discounted =
      fin.discounted_payback_years === null
        ? 'no discounted payback'
        : `discounted payback ${years(fin.discounted_payback_years)}`;
    parts.push(
      `Financial projection: NPV ${money(fin.npv)} at a ${pct(fin.discount_rate, 0)} discount rate, ${irrText}, ${payback}, ${discounted}; break-even needs ${fin.break_even_annual_cash_flow === null ? 'n/a' : money(fin.break_even_annual_cash_flow)} of net cash a year.`,
    );
  }
  if (sim) {
    parts.push(
      `Monte Carlo (${sim.trials.toLocaleString('en-US')} trials, seed ${sim.seed}, ${sim.years}-year undiscounted profit): P10 ${money(sim.p10)}, P50 ${money(sim.p50)}, P90 ${money(sim.p90)}; probability of a loss ${pct(sim.probability_of_loss)}.`,
    );
  }
  if (matrix) {
    const ranking = matrix.ranking.map((r) => `${r.name} ${r.score.toFixed(2)}`).join(', ');
    const flip = matrix.sensitivity.find((s) => s.winner_changed);
    const sens = matrix.robust
      ? 'the winner holds under ±20% changes to any single weight'
      : `the winner changes to ${flip?.winner} if the ${flip?.criterion.replace(/_/g, ' ')} weight moves ${flip && flip.change > 0 ? '+' : '−'}${pct(Math.abs(flip?.change ?? 0.2), 0)}`;
    parts.push(`Decision matrix (0–10): ${ranking}; ${sens}.`);
  }
  if (risk) {
    const top = risk.risks
      .slice(0, 3)
      .map((r) => `${r.name.toLowerCase()} (${r.score}, ${r.severity})`)
      .join('; ');
    parts.push(`Top risks: ${top}.`);
  }
  if (metrics) {
    if (metrics.metrics.length === 0) parts.push('No company metrics are on record for this organisation.');
    else {
      const text = metrics.metrics
        .slice(0, 3)
        .map(
          (m) =>
            `${m.metric.replace(/_/g, ' ')} ${formatMetric(m.latest.value, m.unit)} (${m.latest.period})${m.change_pct === null ? '' : `, ${m.direction} ${pct(Math.abs(m.change_pct))} over ${m.series.length} periods`}`,
        )
        .join('; ');
      parts.push(`Company metrics: ${text}.`);
    }
  }
  if (past) {
    const top = past.decisions[0];
    parts.push(
      top
        ? `Related earlier decision${past.decisions.length > 1 ? `s (${past.decisions.length})` : ''}: "${clip(top.query, 90)}" → ${clip(top.recommendation, 120)}`
        : 'No related earlier decisions were found.',
    );
  }
  if (details.assumptions.length > 0)
    parts.push(`Assumptions (not in the question): ${details.assumptions.join('; ')}.`);
  if (o.errors.size > 0) {
    parts.push(
      `Not available: ${[...o.errors].map(([name, err]) => `${name} (${clip(err, 80)})`).join('; ')}.`,
    );
  }
  if (parts.length === 0) parts.push(`No skill results were available for this ${plan.kind} question.`);
  return parts.join(' ');
}

function formatMetric(value: number, unit: string): string {
  const u = unit.toLowerCase();
  if (u === 'usd' || u === '$') return money(value);
  if (u === '%' || u === 'percent') return `${value}%`;
  if (u === 'ratio') return pct(value);
  return unit ? `${value.toLocaleString('en-US')} ${unit}` : value.toLocaleString('en-US');
}

function confidenceFor(plan: OfflinePlan, details: PlanDetails, f: Facts, o: SkillOutcomes): number {
  let c = 0.6;
  if (f.metrics && f.metrics.metrics.length > 0) c += 0.08;
  if (f.past && f.past.decisions.length > 0) c += 0.04;
  c -= 0.04 * Math.min(4, details.assumptions.length);
  if (f.matrix && (!f.matrix.robust || f.matrix.margin === 0)) c -= 0.1;
  if (f.sim && f.sim.probability_of_loss > 0.3) c -= 0.05;
  c -= 0.08 * o.errors.size;
  if (plan.kind === 'general') c -= 0.1;
  return round2(clamp(c, 0.2, 0.9));
}

/** The offline model's structured analysis, built only from what the skills returned. */
export function composeAnalysis(
  plan: OfflinePlan,
  details: PlanDetails,
  outcomes: SkillOutcomes,
): SubmittedAnalysis {
  const f = factsOf(outcomes);
  const matrixOpts = f.matrix ? matrixOptions(f.matrix, outcomes.calls, plan.proposal) : [];
  const options =
    matrixOpts.length > 0 && plan.kind !== 'investment' && plan.kind !== 'pricing'
      ? matrixOpts
      : financialOptions(plan, details, f);
  return {
    recommendation: recommendationFor(plan, details, f),
    options: options.length > 0 ? options : matrixOpts,
    risks: risksOf(f),
    confidence: confidenceFor(plan, details, f, outcomes),
    rationale: rationaleFor(plan, details, f, outcomes),
  };
}
