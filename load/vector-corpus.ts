/**
 * A varied, deterministic decision corpus for the vector recall bench (load/bench-vector-recall.ts): questions
 * of 5 to ~35 words composed from a large vocabulary (openers, ~60 verbs × ~120 objects or the keyword corpus's
 * actions, segments, ~70 places, timeframes, figures, people, companies, projects, reasons) and recommendations
 * of one to three sentences, so that two decisions rarely share all their words and distances rarely tie.
 * Decision `i` is a pure function of `i` (its own seeded stream), so the bench can paraphrase a stored one.
 *
 * Queries are held out: they are never a stored decision's text. Three kinds — `fresh` (a new question from
 * the same generator, from a stream no decision uses), `paraphrase` (a stored decision's subject, place and
 * some details re-asked in other words: another opener, the verb's -ing form or a synonym, fewer clauses) and
 * `short` (a few keywords: object and place).
 */

import { mulberry32 } from '../layers/core/src/skills/math/random';
import {
  ACTIONS,
  OPENERS as CORPUS_OPENERS,
  PLACES as CORPUS_PLACES,
  SEGMENTS,
  TIMEFRAMES,
} from './keyword-corpus';

type Rnd = () => number;
const pick = <T>(r: Rnd, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const int = (r: Rnd, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const chance = (r: Rnd, p: number) => r() < p;

const OPENERS = [
  ...CORPUS_OPENERS,
  'Can we afford to',
  'Is now the right moment to',
  'Does it make sense to',
  'What happens if we',
  'Should the company',
  'Are we ready to',
  'Would the board support a plan to',
  'Is there a case to',
  'Should management',
  'How much would it cost to',
  'Should we still',
  'Is it too early to',
] as const;

/** [base form, -ing form, a synonym's base form] */
const VERBS: ReadonlyArray<readonly [string, string, string]> = [
  ['expand', 'expanding', 'grow'],
  ['launch', 'launching', 'roll out'],
  ['hire for', 'hiring for', 'recruit for'],
  ['cut', 'cutting', 'reduce'],
  ['acquire', 'acquiring', 'buy'],
  ['sell', 'selling', 'divest'],
  ['open', 'opening', 'set up'],
  ['close', 'closing', 'shut down'],
  ['migrate', 'migrating', 'move'],
  ['outsource', 'outsourcing', 'contract out'],
  ['merge', 'merging', 'combine'],
  ['split', 'splitting', 'separate'],
  ['reprice', 'repricing', 'change pricing for'],
  ['renegotiate', 'renegotiating', 'rework the terms of'],
  ['consolidate', 'consolidating', 'centralise'],
  ['automate', 'automating', 'mechanise'],
  ['localise', 'localising', 'translate'],
  ['rebrand', 'rebranding', 'rename'],
  ['retire', 'retiring', 'sunset'],
  ['pilot', 'piloting', 'trial'],
  ['fund', 'funding', 'finance'],
  ['license', 'licensing', 'rent out'],
  ['restructure', 'restructuring', 'reorganise'],
  ['freeze spending on', 'freezing spending on', 'pause investment in'],
  ['double', 'doubling', 'scale up'],
  ['halve', 'halving', 'scale back'],
  ['upgrade', 'upgrading', 'modernise'],
  ['replace', 'replacing', 'swap out'],
  ['bundle', 'bundling', 'package'],
  ['unbundle', 'unbundling', 'break up'],
  ['audit', 'auditing', 'review'],
  ['certify', 'certifying', 'accredit'],
  ['lease', 'leasing', 'rent'],
  ['build', 'building', 'construct'],
  ['insource', 'insourcing', 'bring in-house'],
  ['delay', 'delaying', 'postpone'],
  ['cancel', 'cancelling', 'scrap'],
  ['speed up', 'speeding up', 'accelerate'],
  ['invest in', 'investing in', 'put money into'],
  ['partner on', 'partnering on', 'team up on'],
  ['spin off', 'spinning off', 'carve out'],
  ['insure', 'insuring', 'hedge'],
  ['subsidise', 'subsidising', 'discount'],
  ['advertise', 'advertising', 'promote'],
  ['digitise', 'digitising', 'move online'],
  ['standardise', 'standardising', 'harmonise'],
  ['decentralise', 'decentralising', 'devolve'],
  ['refinance', 'refinancing', 'restructure the debt of'],
  ['patent', 'patenting', 'protect'],
  ['open-source', 'open-sourcing', 'publish'],
  ['nearshore', 'nearshoring', 'relocate'],
  ['unionise', 'unionising', 'negotiate collectively for'],
  ['tender', 'tendering', 'put out to bid'],
  ['downsize', 'downsizing', 'shrink'],
  ['sponsor', 'sponsoring', 'back'],
  ['white-label', 'white-labelling', 'resell'],
  ['subcontract', 'subcontracting', 'farm out'],
  ['benchmark', 'benchmarking', 'compare'],
  ['stockpile', 'stockpiling', 'buffer'],
  ['phase out', 'phasing out', 'wind down'],
];

const ADJECTIVES = (
  'regional premium legacy core new flagship overseas domestic online retail wholesale enterprise consumer ' +
  'mobile cloud on-premise analytics hardware freemium subscription seasonal second third internal external ' +
  'B2B direct-to-consumer refurbished green low-cost high-margin loss-making'
).split(' ');

const NOUNS = (
  'sales team,support desk,warehouse network,data platform,mobile app,pricing tier,loyalty programme,' +
  'call centre,ERP system,billing stack,payroll process,fleet,factory,distribution centre,showroom,' +
  'product line,brand,marketing agency,ad budget,R&D lab,design studio,QA team,security team,' +
  'customer success team,partner programme,reseller channel,affiliate scheme,franchise,kiosk network,' +
  'e-commerce site,marketplace listing,API,SDK,developer portal,data warehouse,CRM,helpdesk software,' +
  'inventory system,supply contract,logistics provider,courier partner,packaging line,cold chain,' +
  'raw-material suppliers,chip supply,battery pack,solar array,HVAC contract,office lease,headquarters,' +
  'coworking desks,training budget,graduate scheme,internship programme,bonus pool,stock option plan,' +
  'pension scheme,health benefits,travel policy,remote-work policy,four-day week,on-call rota,' +
  'night shift,weekend shift,credit line,term loan,bond issue,share buyback,dividend,Series B,Series C,' +
  'bridge round,venture debt,currency hedge,insurance cover,audit firm,legal counsel,compliance team,' +
  'GDPR programme,SOC 2 audit,ISO 27001 certification,accessibility review,carbon offsets,EV fleet,' +
  'recycling scheme,returns process,warranty programme,spare-parts depot,repair network,' +
  'subscription box,gift cards,free trial,annual plan,enterprise plan,starter plan,usage-based pricing,' +
  'volume discounts,price list,trade-show presence,podcast sponsorship,influencer campaign,TV campaign,' +
  'search ads,referral programme,community forum,user conference,hackathon,open-source project,' +
  'machine-learning team,chatbot,recommendation engine,fraud model,pricing algorithm,forecasting model,' +
  'mainframe,data centre,CDN contract,backup system,disaster-recovery site,VPN,laptop fleet,' +
  'print catalogue,flagship store,pop-up stores,vending machines,drone delivery,last-mile delivery,' +
  'customs broker,export licence,import quota,joint venture,minority stake,licensing deal,OEM contract'
).split(',');

const MORE_SEGMENTS = [
  'for Gen Z shoppers',
  'for dental clinics',
  'for law firms',
  'for universities',
  'for farmers',
  'for airlines',
  'for game studios',
  'for insurers',
  'for utilities',
  'for the construction sector',
  'for charities',
  'for car dealers',
  'for freelancers',
  'for pharmacies',
  'for hotel chains',
] as const;

const CITIES = (
  'Berlin,Munich,Hamburg,Osaka,Tokyo,São Paulo,Rio de Janeiro,Toronto,Vancouver,Bangalore,Mumbai,Lyon,' +
  'Marseille,Monterrey,Guadalajara,Nairobi,Mombasa,Barcelona,Valencia,Warsaw,Krakow,Milan,Santiago,Cairo,' +
  'Hanoi,Oslo,Lima,Austin,Dallas,Ottawa,Edinburgh,Glasgow,Stockholm,Dubai,Singapore,Amsterdam,Sydney,' +
  'Melbourne,Seoul,Lagos,Istanbul,Bogotá,Dublin,Cork,Manchester,Leeds,Boston,Denver,Atlanta,Seattle'
).split(',');

const MONTHS = 'January February March April May June July August September October November December'.split(
  ' ',
);

const FIRST = (
  'Maria James Aiko Rahul Sofia Lukas Chen Amara Diego Priya Olga Tom Fatima Noah Ines Kenji Zanele Marco ' +
  'Hannah Yusuf Clara Mateo Leila Arjun Eva Sven Nadia Omar Julia Pedro'
).split(' ');
const LAST = (
  'Chen Okafor Müller Tanaka Silva Kowalski Haddad Rossi Novak Patel Johansson Dubois García Kim Nguyen Byrne ' +
  'Schmidt Mensah Costa Ivanova Andersen Moreau Yilmaz Sato Reyes Fischer Ali Brennan Lindqvist Mwangi'
).split(' ');
const COMPANY_A = (
  'Northwind Acme Globex Initech Umbrella Stark Wayne Vandelay Contoso Fabrikam Tailspin Hooli Pied Piper ' +
  'Soylent Cyberdyne Aperture Wonka Oscorp Massive Dynamic Blue Sun'
).split(' ');
const COMPANY_B =
  'Logistics Analytics Retail Health Foods Labs Capital Systems Motors Energy Media Bank'.split(' ');
const PROJECTS = 'Atlas Orion Phoenix Falcon Neptune Aurora Titan Meridian Horizon Polaris Vega Zephyr'.split(
  ' ',
);

const REASONS = [
  'because margins fell last quarter',
  'since two rivals entered the market',
  'after the CFO flagged the cash burn',
  'now that interest rates are falling',
  'given the new data-protection rules',
  'while the currency is weak',
  'because our largest customer asked for it',
  'since churn has been rising',
  'after the failed product launch',
  'given that the board wants faster growth',
  'because the lease expires soon',
  'since demand there doubled',
  'after losing the tender',
  'given supply-chain delays',
  'because engineers keep leaving',
  'now that the pilot results are in',
] as const;

const METRICS = (
  'churn,gross margin,payback period,CAC,NPS,cash runway,on-time delivery,utilisation,conversion rate,' +
  'average order value,employee attrition,EBITDA,net revenue retention,inventory turns,defect rate'
).split(',');

const person = (r: Rnd) => `${pick(r, FIRST)} ${pick(r, LAST)}`;
const company = (r: Rnd) => `${pick(r, COMPANY_A)} ${pick(r, COMPANY_B)}`;
const usd = (r: Rnd) =>
  chance(r, 0.5) ? `$${int(r, 1, 95) / (chance(r, 0.5) ? 1 : 10)}M` : `$${int(r, 20, 950)}k`;
const place = (r: Rnd) => (chance(r, 0.55) ? pick(r, CORPUS_PLACES) : pick(r, CITIES));
const timeframe = (r: Rnd): string => {
  switch (int(r, 0, 3)) {
    case 0:
      return pick(r, TIMEFRAMES);
    case 1:
      return `by Q${int(r, 1, 4)} ${int(r, 2026, 2029)}`;
    case 2:
      return `within ${int(r, 2, 30)} months`;
    default:
      return `before ${pick(r, MONTHS)}`;
  }
};
const figure = (r: Rnd): string => {
  switch (int(r, 0, 6)) {
    case 0:
      return `with a budget of ${usd(r)}`;
    case 1:
      return `hiring ${int(r, 2, 250)} people`;
    case 2:
      return `at a ${int(r, 3, 40)}% discount`;
    case 3:
      return `across ${int(r, 2, 400)} stores`;
    case 4:
      return `with ${int(r, 4, 36)} months of runway`;
    case 5:
      return `if churn stays above ${int(r, 2, 15)}%`;
    default:
      return `for ${int(r, 10, 5000)} customers`;
  }
};
const who = (r: Rnd): string => {
  switch (int(r, 0, 3)) {
    case 0:
      return `as ${person(r)} proposed`;
    case 1:
      return `with ${company(r)}`;
    case 2:
      return `under Project ${pick(r, PROJECTS)}`;
    default:
      return `led by ${person(r)}`;
  }
};

/** The parts a question is made of; `render` words them, `paraphrase` re-words them. */
export interface QuestionParts {
  opener: string;
  verb: readonly [string, string, string];
  /** a keyword-corpus action used whole, instead of verb + object */
  action?: string;
  object: string;
  segment?: string;
  place?: string;
  timeframe?: string;
  figure?: string;
  who?: string;
  reason?: string;
}

function questionParts(r: Rnd): QuestionParts {
  const adjective = chance(r, 0.5) ? `${pick(r, ADJECTIVES)} ` : '';
  return {
    opener: pick(r, OPENERS),
    verb: pick(r, VERBS),
    action: chance(r, 0.15) ? pick(r, ACTIONS) : undefined,
    object: `${chance(r, 0.6) ? 'our' : 'the'} ${adjective}${pick(r, NOUNS)}`,
    segment: chance(r, 0.35) ? pick(r, chance(r, 0.5) ? SEGMENTS : MORE_SEGMENTS) : undefined,
    place: chance(r, 0.8) ? place(r) : undefined,
    timeframe: chance(r, 0.55) ? timeframe(r) : undefined,
    figure: chance(r, 0.4) ? figure(r) : undefined,
    who: chance(r, 0.3) ? who(r) : undefined,
    reason: chance(r, 0.3) ? pick(r, REASONS) : undefined,
  };
}

function render(p: QuestionParts): string {
  const words = [
    p.opener,
    p.action ?? `${p.verb[0]} ${p.object}`,
    p.segment,
    p.place ? `in ${p.place}` : undefined,
    p.timeframe,
    p.figure,
    p.who,
    p.reason,
  ];
  return `${words.filter(Boolean).join(' ')}?`;
}

const SENTENCES: ReadonlyArray<(r: Rnd, p: QuestionParts) => string> = [
  (r, p) => `Run a staged pilot in ${p.place ?? place(r)} first and review after ${int(r, 4, 16)} weeks.`,
  (r) => `Proceed with a budget cap of ${usd(r)} and a clear exit criterion.`,
  () => 'Wait for better demand data before committing.',
  (r) => `Go ahead in ${int(r, 2, 4)} phases, lowest risk first.`,
  (r) => `Decline for now and revisit when runway exceeds ${int(r, 12, 36)} months.`,
  (r, p) => `Approve, but hire a local lead in ${p.place ?? place(r)} before launch.`,
  (r) => `Negotiate a ${int(r, 3, 12)}-month trial with a break clause.`,
  (r) => `Proceed only if ${pick(r, METRICS)} stays above ${int(r, 10, 60)} percent.`,
  (r) => `Start with the ${int(r, 2, 10)} largest accounts and measure ${pick(r, METRICS)}.`,
  () => 'Defer until the board approves the revised forecast.',
  (r) => `${person(r)} should own the rollout and report ${pick(r, METRICS)} monthly.`,
  (r) => `Reject: the downside risk outweighs a ${usd(r)} upside.`,
  (r) => `Ask ${company(r)} for a fixed quote before deciding.`,
  (r) => `The payback period is about ${int(r, 6, 40)} months, which is acceptable.`,
  (r, p) => `Competitors in ${p.place ?? place(r)} already did this; move quickly.`,
  (r) => `Keep ${int(r, 10, 30)}% of the budget in reserve for overruns.`,
  (r) => `Expect ${pick(r, METRICS)} to dip for one quarter before it recovers.`,
  (r) => `Tie the decision to Project ${pick(r, PROJECTS)} milestones.`,
  (_r, p) => `Only ${p.verb[1]} ${p.object} if the pilot hits its targets.`,
  (r) => `Split the work between ${person(r)} and ${person(r)}.`,
  (r) => `Revisit ${timeframe(r)} with actual figures.`,
  () => 'Legal and finance must sign off first.',
  (r) => `A ${int(r, 5, 25)}% price rise would cover the cost.`,
  (r) => `Hire ${int(r, 1, 30)} contractors rather than permanent staff.`,
];

function recommendation(r: Rnd, p: QuestionParts): string {
  const n = chance(r, 0.4) ? 1 : chance(r, 0.6) ? 2 : 3;
  return Array.from({ length: n }, () => pick(r, SENTENCES)(r, p)).join(' ');
}

const CORPUS_SEED = 0x5eed;
const QUERY_SEED = 0x9a11;

/** Stored decision `i`: its question and recommendation (a pure function of `i`). */
export function vectorDecision(i: number): { query: string; recommendation: string; parts: QuestionParts } {
  const r = mulberry32(Math.imul(i + 1, 0x9e3779b1) ^ CORPUS_SEED);
  const parts = questionParts(r);
  return { query: render(parts), recommendation: recommendation(r, parts), parts };
}

export type VectorQueryKind = 'fresh' | 'paraphrase' | 'short';

/** Re-asks a stored decision's subject in other words: another opener, the -ing form or a synonym, fewer details. */
export function paraphrase(p: QuestionParts, r: Rnd): string {
  const verb = p.verb;
  const subject = p.action ?? (chance(r, 0.5) ? `${verb[1]} ${p.object}` : `${verb[2]} ${p.object}`);
  const opener =
    p.action || !subject.startsWith(verb[1])
      ? pick(
          r,
          OPENERS.filter((o) => o !== p.opener),
        )
      : pick(r, ['What about', 'Thoughts on', 'Is it wise', 'Any risk in', 'How about']);
  const keep = (x: string | undefined, prob: number) => (x && chance(r, prob) ? x : undefined);
  const words = [
    opener,
    subject,
    keep(p.segment, 0.5),
    p.place ? `in ${p.place}` : undefined,
    keep(p.timeframe, 0.4),
    keep(p.figure, 0.3),
    keep(p.who, 0.3),
  ];
  return `${words.filter(Boolean).join(' ')}?`;
}

/**
 * `n` held-out queries against a corpus of `rows` decisions, cycling paraphrase, fresh, paraphrase, fresh, short
 * (40% / 40% / 20%). Deterministic.
 */
export function vectorQueries(n: number, rows: number): Array<{ q: string; kind: VectorQueryKind }> {
  const r = mulberry32(QUERY_SEED);
  const out: Array<{ q: string; kind: VectorQueryKind }> = [];
  for (let k = 0; k < n; k += 1) {
    const kind: VectorQueryKind = (['paraphrase', 'fresh', 'paraphrase', 'fresh', 'short'] as const)[k % 5]!;
    if (kind === 'fresh') {
      out.push({ q: render(questionParts(r)), kind });
    } else {
      const p = vectorDecision(Math.floor(r() * rows)).parts;
      out.push({
        q:
          kind === 'short'
            ? `${p.action ?? p.object.replace(/^(our|the) /, '')} ${p.place ?? ''}`.trim()
            : paraphrase(p, r),
        kind,
      });
    }
  }
  return out;
}
