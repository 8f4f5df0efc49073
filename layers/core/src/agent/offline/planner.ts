import type { CompanyMetricsOutput } from '../../skills/builtin/company-metrics';
import { money, pct } from './format';
import { PLANNER_DATA, type PlannedRisk } from './planner-data';
import {
  detectIntent,
  type Intent,
  parseAmounts,
  parseOptions,
  parsePercents,
  parseProposal,
  parseYears,
} from './question';

/** What the offline model decided to do for a question, and the assumptions it had to make. */
export interface PlannedCall {
  name: string;
  input: Record<string, unknown>;
}

export type PlanKind = 'investment' | 'pricing' | 'expansion' | 'choice' | 'general';

export interface FinancialCase {
  investment: number;
  annualRevenue: number;
  annualCost: number;
  years: number;
  discountRate: number;
  growthRate: number;
}

export interface PricingCase {
  change: number;
  baseRevenue: number;
  elasticity: number;
  variableCostRatio: number;
  deltaRevenue: number;
  deltaCost: number;
  deltaProfit: number;
}

export interface OfflinePlan {
  kind: PlanKind;
  intent: Intent;
  proposal?: string;
  options: string[];
  /** Calls that need nothing but the question (first tool turn, run concurrently). */
  first: PlannedCall[];
  /** Calls that need the company's metrics (second tool turn), or none. */
  second?(metrics: CompanyMetricsOutput | undefined): PlannedCall[];
}

export interface PlanDetails {
  assumptions: string[];
  financial?: FinancialCase;
  pricing?: PricingCase;
}

/** The labelled assumptions the offline model makes where a question gives no figure (`planner-data.json`). */
export const OFFLINE_DEFAULTS = PLANNER_DATA.defaults;

/** Annualised latest revenue from the company's metrics: spacing of the periods tells monthly vs quarterly. */
export function annualRevenueFrom(
  metrics: CompanyMetricsOutput | undefined,
): { value: number; metric: string } | undefined {
  const m =
    metrics?.metrics.find((x) => x.metric === 'revenue') ??
    metrics?.metrics.find((x) => x.metric === 'arr') ??
    metrics?.metrics.find((x) => x.metric.includes('revenue'));
  if (!m || m.latest.value <= 0) return undefined;
  if (m.metric === 'arr' || m.metric.includes('annual')) return { value: m.latest.value, metric: m.metric };
  let perYear = 1;
  if (m.series.length >= 2) {
    const first = Date.parse(m.series[0]!.period);
    const last = Date.parse(m.series[m.series.length - 1]!.period);
    const gapDays = (last - first) / 86_400_000 / (m.series.length - 1);
    if (gapDays > 0 && gapDays < 45) perYear = 12;
    else if (gapDays >= 45 && gapDays < 135) perYear = 4;
  }
  return { value: m.latest.value * perYear, metric: m.metric };
}

function percentFor(text: string, context: RegExp): number | undefined {
  const all = parsePercents(text);
  // "a 12% discount rate" names its meaning after the number, "raise prices by 10%" before it.
  return (all.find((p) => context.test(p.after)) ?? all.find((p) => context.test(p.context)))?.value;
}

const round = (v: number) => Math.round(v);

/** Decision-matrix inputs for well-known decision shapes, scored 0..10 (heuristic defaults, stated as such). */
function matrixFor(intent: Intent, options: string[], question: string) {
  const { buildVsBuy, namedOptions, proposal } = PLANNER_DATA.matrices;
  if (intent.buildVsBuy) {
    const core = /\bcore\b|differentiat\w*|proprietary|competitive advantage|\bmoat\b|secret sauce/i.test(
      question,
    );
    const [a = 'Build', b = 'Buy'] = options.length >= 2 ? options : ['Build', 'Buy'];
    const buildFirst = /build/i.test(a);
    const build = core ? { ...buildVsBuy.build, ...buildVsBuy.whenCore.build } : buildVsBuy.build;
    const buy = core ? { ...buildVsBuy.buy, ...buildVsBuy.whenCore.buy } : buildVsBuy.buy;
    const weights: Record<string, number> = core ? buildVsBuy.whenCore.weights : {};
    return {
      options: [
        { name: buildFirst ? a : b, scores: build },
        { name: buildFirst ? b : a, scores: buy },
      ],
      criteria: buildVsBuy.criteria.map((c) => ({ name: c.name, weight: weights[c.name] ?? c.weight })),
    };
  }
  if (options.length >= 2) {
    return {
      options: options.map((name) => ({ name, scores: namedOptions.scores })),
      criteria: namedOptions.criteria,
    };
  }
  return { options: proposal.options, criteria: proposal.criteria };
}

/** The risk register for the kind of decision; a price change's size sets the likelihood of its risks. */
function risksFor(plan: { kind: PlanKind; intent: Intent }, change: number) {
  const { intent } = plan;
  const { risks } = PLANNER_DATA;
  const list = intent.pricing
    ? risks.pricing
    : intent.buildVsBuy
      ? risks.buildVsBuy
      : plan.kind === 'expansion'
        ? risks.expansion
        : plan.kind === 'investment'
          ? risks.investment
          : risks.general;
  const size = Math.abs(change) >= 0.15 ? 'big' : Math.abs(change) < 0.05 ? 'small' : 'medium';
  return list.map((r: PlannedRisk) => ({
    name: r.name,
    likelihood: typeof r.likelihood === 'number' ? r.likelihood : r.likelihood[size],
    impact: r.impact,
    mitigation: r.mitigation,
  }));
}

/**
 * Plans the skills for a question: company_metrics and past_decisions always; financial_projection and
 * scenario_simulation for money questions (invest, cost, revenue, price, expansion); decision_matrix for
 * choices ("vs", "which option", "Should we …?" without figures); risk_assessment for risk questions and
 * strategic moves. Inputs come from the question's numbers where present, else from labelled defaults.
 */
export function planForQuestion(question: string): { plan: OfflinePlan; details: PlanDetails } {
  const intent = detectIntent(question);
  const amounts = parseAmounts(question);
  const options = parseOptions(question);
  const proposal = parseProposal(question);
  const details: PlanDetails = { assumptions: [] };
  const kind: PlanKind = intent.pricing
    ? 'pricing'
    : intent.buildVsBuy || (intent.choice && options.length >= 2)
      ? 'choice'
      : intent.investment || (intent.financial && amounts.length > 0)
        ? 'investment'
        : intent.expansion
          ? 'expansion'
          : intent.choice
            ? 'choice'
            : 'general';

  const first: PlannedCall[] = [
    { name: 'company_metrics', input: { periods: 4 } },
    { name: 'past_decisions', input: { query: question, limit: 3 } },
  ];

  const change = (() => {
    const p = percentFor(question, /pric|rais|increas|cut|lower|reduc|hike|chang|by\s*$/) ?? undefined;
    const cut = /\b(?:cut\w*|lower\w*|reduc\w*|decreas\w*|drop\w*)\b/i.test(question);
    const value = p ?? OFFLINE_DEFAULTS.pricingChange;
    return cut ? -Math.abs(value) : Math.abs(value);
  })();

  const wantsMatrix =
    intent.choice || intent.buildVsBuy || (intent.yesNo && amounts.length === 0 && kind !== 'pricing');
  if (wantsMatrix) {
    const m = matrixFor(intent, options, question);
    first.push({ name: 'decision_matrix', input: { options: m.options, criteria: m.criteria } });
    if (!intent.buildVsBuy && options.length >= 2) {
      details.assumptions.push(
        'the options were scored equally on every criterion: the question gives no basis to tell them apart',
      );
    } else {
      details.assumptions.push('decision-matrix scores are heuristic defaults for this kind of decision');
    }
  }
  const wantsRisk =
    intent.risk ||
    kind === 'pricing' ||
    kind === 'expansion' ||
    kind === 'investment' ||
    intent.buildVsBuy ||
    intent.yesNo;
  if (wantsRisk)
    first.push({ name: 'risk_assessment', input: { risks: risksFor({ kind, intent }, change) } });

  const plan: OfflinePlan = { kind, intent, proposal, options, first };

  if (kind === 'investment') {
    const fin = investmentCase(question, amounts, details.assumptions, false, undefined);
    details.financial = fin;
    first.push(...financialCalls(fin, OFFLINE_DEFAULTS.revenueSd));
  } else if (kind === 'expansion' || kind === 'pricing') {
    // These need the company's size: a second tool turn, once company_metrics has answered.
    plan.second = (metrics) => {
      const base = annualRevenueFrom(metrics);
      if (kind === 'pricing') {
        const pricing = pricingCase(question, amounts, change, base, details.assumptions);
        details.pricing = pricing;
        return pricingCalls(pricing);
      }
      const fin = investmentCase(question, amounts, details.assumptions, true, base);
      details.financial = fin;
      return financialCalls(fin, OFFLINE_DEFAULTS.expansionRevenueSd);
    };
  }
  return { plan, details };
}

function investmentCase(
  question: string,
  amounts: ReturnType<typeof parseAmounts>,
  assumptions: string[],
  expansion: boolean,
  base: { value: number; metric: string } | undefined,
): FinancialCase {
  const investment =
    amounts.find((a) => a.role === 'investment' && !a.yearly) ??
    amounts.find((a) => !a.yearly && a.role === 'unknown');
  const revenue =
    amounts.find((a) => a.role === 'revenue') ?? amounts.find((a) => a.yearly && a.role === 'unknown');
  const cost = amounts.find((a) => a.role === 'cost' && a.yearly);
  const savings = amounts.find((a) => a.role === 'savings');
  const years = parseYears(question) ?? OFFLINE_DEFAULTS.years;
  const discountRate =
    percentFor(question, /discount|hurdle|wacc|cost of capital|required return/) ??
    OFFLINE_DEFAULTS.discountRate;
  const growthRate = percentFor(question, /grow/) ?? 0;

  let investmentValue = investment?.value;
  if (investmentValue === undefined) {
    if (expansion && base) {
      investmentValue = round(base.value * 0.1);
      assumptions.push(
        `entry investment of ${money(investmentValue)} (10% of annual ${base.metric} ${money(base.value)} from company metrics)`,
      );
    } else {
      investmentValue = OFFLINE_DEFAULTS.investment;
      assumptions.push(`up-front investment of ${money(investmentValue)} (not given in the question)`);
    }
  }
  let revenueValue = (revenue?.value ?? 0) + (savings?.value ?? 0);
  if (!revenue && !savings) {
    if (expansion && base) {
      revenueValue = round(base.value * 0.08);
      assumptions.push(
        `incremental revenue of ${money(revenueValue)} a year (8% of current annual ${base.metric})`,
      );
    } else {
      revenueValue = round(investmentValue * OFFLINE_DEFAULTS.revenueToInvestment);
      assumptions.push(`incremental revenue of ${money(revenueValue)} a year (not given in the question)`);
    }
  }
  let costValue = cost?.value;
  if (costValue === undefined) {
    const ratio = expansion ? OFFLINE_DEFAULTS.expansionCostRatio : OFFLINE_DEFAULTS.costRatio;
    // Savings carry no operating cost of their own; revenue does.
    costValue = round((revenue?.value ?? (savings ? 0 : revenueValue)) * ratio);
    if (costValue > 0)
      assumptions.push(
        `operating costs of ${pct(ratio, 0)} of revenue (${money(costValue)} a year; not given)`,
      );
  }
  if (!parseYears(question)) assumptions.push(`a ${years}-year horizon`);
  if (
    discountRate === OFFLINE_DEFAULTS.discountRate &&
    !/discount|hurdle|wacc|cost of capital/i.test(question)
  ) {
    assumptions.push(`a ${pct(discountRate, 0)} discount rate`);
  }
  return {
    investment: investmentValue,
    annualRevenue: revenueValue,
    annualCost: costValue,
    years,
    discountRate,
    growthRate,
  };
}

function financialCalls(fin: FinancialCase, revenueSd: number): PlannedCall[] {
  return [
    {
      name: 'financial_projection',
      input: {
        initial_investment: fin.investment,
        annual_cash_flow: fin.annualRevenue - fin.annualCost,
        years: fin.years,
        growth_rate: fin.growthRate,
        discount_rate: fin.discountRate,
      },
    },
    {
      name: 'scenario_simulation',
      input: {
        revenue: { mean: fin.annualRevenue, sd: round(fin.annualRevenue * revenueSd) },
        cost: { mean: fin.annualCost, sd: round(fin.annualCost * OFFLINE_DEFAULTS.costSd) },
        correlation: 0.3,
        years: fin.years,
        upfront_cost: fin.investment,
        trials: OFFLINE_DEFAULTS.trials,
        seed: OFFLINE_DEFAULTS.seed,
      },
    },
  ];
}

function pricingCase(
  question: string,
  amounts: ReturnType<typeof parseAmounts>,
  change: number,
  base: { value: number; metric: string } | undefined,
  assumptions: string[],
): PricingCase {
  const stated = amounts.find((a) => a.role === 'revenue');
  let baseRevenue = stated?.value;
  if (baseRevenue === undefined && base) {
    baseRevenue = base.value;
    assumptions.push(
      `annual revenue base of ${money(base.value)} (latest ${base.metric} from company metrics, annualised)`,
    );
  }
  if (baseRevenue === undefined) {
    baseRevenue = OFFLINE_DEFAULTS.pricingBaseRevenue;
    assumptions.push(`annual revenue base of ${money(baseRevenue)} (no revenue metric on record)`);
  }
  if (!parsePercents(question).length) assumptions.push(`a ${pct(change, 0)} price change`);
  const e = OFFLINE_DEFAULTS.elasticity;
  const v = OFFLINE_DEFAULTS.variableCostRatio;
  assumptions.push(`a one-off repricing cost of ${pct(OFFLINE_DEFAULTS.repricingCostRatio, 0)} of revenue`);
  assumptions.push(
    `price elasticity of demand ${e} (±${OFFLINE_DEFAULTS.elasticitySd}) and variable costs of ${pct(v, 0)} of revenue`,
  );
  const volume = e * change;
  const deltaRevenue = baseRevenue * ((1 + change) * (1 + volume) - 1);
  const deltaCost = v * baseRevenue * volume;
  return {
    change,
    baseRevenue,
    elasticity: e,
    variableCostRatio: v,
    deltaRevenue: round(deltaRevenue),
    deltaCost: round(deltaCost),
    deltaProfit: round(deltaRevenue - deltaCost),
  };
}

export function repricingCost(p: PricingCase): number {
  return round(p.baseRevenue * OFFLINE_DEFAULTS.repricingCostRatio);
}

function pricingCalls(p: PricingCase): PlannedCall[] {
  const sdE = OFFLINE_DEFAULTS.elasticitySd;
  const repricing = repricingCost(p);
  return [
    {
      name: 'financial_projection',
      input: {
        cash_flows: [-repricing, p.deltaProfit, p.deltaProfit, p.deltaProfit],
        discount_rate: OFFLINE_DEFAULTS.discountRate,
      },
    },
    {
      name: 'scenario_simulation',
      input: {
        // Incremental amounts; both move with the (uncertain) elasticity, hence fully correlated.
        revenue: {
          mean: p.deltaRevenue,
          sd: round(Math.abs(p.baseRevenue * p.change * (1 + p.change)) * sdE),
        },
        cost: {
          mean: p.deltaCost,
          sd: round(Math.abs(p.variableCostRatio * p.baseRevenue * p.change) * sdE),
        },
        correlation: 1,
        allow_negative: true,
        years: 1,
        upfront_cost: repricing,
        trials: OFFLINE_DEFAULTS.trials,
        seed: OFFLINE_DEFAULTS.seed,
      },
    },
  ];
}
