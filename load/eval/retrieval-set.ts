/**
 * A labelled retrieval set, generated deterministically: 24 decision topics × 10 places × 5 variants =
 * 1,200 decisions, and 96 queries, each with its relevant decisions (the same topic in the same place).
 * A decision asks in one of two wordings per topic and its recommendation restates the subject in the
 * other; queries use a third wording (a paraphrase sharing one word), one of the decisions' wordings,
 * a two-word topic, or derived forms of its words — so neither the vector nor the keyword side alone finds everything.
 */
export interface RetrievalDecision {
  key: string;
  topic: number;
  place: number;
  query: string;
  recommendation: string;
}

export interface RetrievalQuery {
  q: string;
  /** keys of the relevant decisions */
  relevant: string[];
  kind: 'paraphrase' | 'same_words' | 'short' | 'derived';
}

// [decision wording A, decision wording B, query paraphrase (one word in common), short keyword query,
//  derived words (other forms of the topic's words: 'acquisitions' for 'acquire', which the stemmer keeps apart)]
const TOPICS: Array<[string, string, string, string, string]> = [
  [
    'expand our sales team into',
    'grow the sales organisation in',
    'growing commercial headcount across',
    'sales expansion',
    'expansion of salesforce headcount in',
  ],
  [
    'raise list prices for customers in',
    'increase subscription pricing in',
    'charging customers more for plans in',
    'price increase',
    'repricing subscriptions upward in',
  ],
  [
    'open a new office in',
    'lease office space in',
    'opening premises for staff in',
    'new office',
    'officing arrangements and leases in',
  ],
  [
    'acquire a local competitor in',
    'buy a rival company based in',
    'purchasing a competitor located in',
    'acquisition rival',
    'acquisitions of rivals in',
  ],
  [
    'launch our mobile app in',
    'release the iOS and Android app in',
    'shipping smartphone apps to users in',
    'mobile launch',
    'relaunching mobility apps in',
  ],
  [
    'cut marketing spend in',
    'reduce the advertising budget for',
    'lowering promotional spend across',
    'marketing budget',
    'marketers spending less in',
  ],
  [
    'hire senior engineers in',
    'recruit experienced developers in',
    'staffing engineering roles from',
    'engineering hiring',
    'engineering recruitment drive in',
  ],
  [
    'outsource customer support to',
    'move the helpdesk to a partner in',
    'contracting support agents located in',
    'support outsourcing',
    'outsourced helpdesk partnership in',
  ],
  [
    'build a data center in',
    'construct server infrastructure in',
    'creating hosting capacity and servers in',
    'data center',
    'datacentre construction in',
  ],
  [
    'raise venture debt for operations in',
    'borrow from lenders to fund growth in',
    'taking loans to fund operations in',
    'venture debt',
    'indebtedness to fund growth in',
  ],
  [
    'discontinue the legacy plan in',
    'retire the old pricing tier in',
    'sunsetting outdated plans for',
    'legacy plan',
    'discontinuation of legacy tiers in',
  ],
  [
    'partner with a distributor in',
    'sign a reseller agreement in',
    'working with channel partners across',
    'distribution partner',
    'distributorship and reseller deals in',
  ],
  [
    'move production workloads to the cloud in',
    'migrate servers to a hyperscaler region in',
    'shifting computing workloads to hosted platforms in',
    'cloud migration',
    'cloud-based production migration in',
  ],
  [
    'offer a four-day work week to staff in',
    'introduce a shorter working week in',
    'trialling compressed weeks for staff in',
    'four-day week',
    'shortened work weeks in',
  ],
  [
    'freeze hiring across teams in',
    'pause recruitment in',
    'halting new recruitment throughout',
    'hiring freeze',
    'recruitment freezing in',
  ],
  [
    'launch a free tier for small businesses in',
    'introduce a freemium plan in',
    'giving no-cost plans to smaller businesses in',
    'free tier',
    'freemium small-business plans in',
  ],
  [
    'spin off the payments unit in',
    'separate the payments division in',
    'carving the payments business out in',
    'payments spin-off',
    'payments divisional spinoff in',
  ],
  [
    'sell the hardware division in',
    'divest the devices business in',
    'disposing of the devices operations in',
    'hardware divestment',
    'divestiture of hardware in',
  ],
  [
    'upgrade the ERP system for operations in',
    'replace the finance software in',
    'modernising accounting software for',
    'ERP upgrade',
    'ERP modernisation in',
  ],
  [
    'merge the product and design teams in',
    'combine design with product management in',
    'unifying product managers and designers in',
    'team merger',
    'product-design merger in',
  ],
  [
    'target enterprise customers in',
    'focus on large accounts in',
    'pursuing big enterprise buyers across',
    'enterprise focus',
    'enterprise-focused selling in',
  ],
  [
    'relocate headquarters to',
    'move the head office to',
    'transferring the head office to',
    'headquarters move',
    'headquartering relocation to',
  ],
  [
    'run a security audit of systems in',
    'commission a penetration test in',
    'assessing cyber security defences in',
    'security audit',
    'penetration testing of security in',
  ],
  [
    'reduce office space in',
    'sublet part of our premises in',
    'shrinking our office footprint in',
    'office reduction',
    'office subletting in',
  ],
];

/** The places the generated questions and decisions vary over (also used by the search benches). */
export const PLACES = [
  'Germany',
  'Japan',
  'Brazil',
  'Canada',
  'India',
  'France',
  'Mexico',
  'Kenya',
  'Spain',
  'Poland',
];
const VARIANTS = ['this year', 'next year', 'in 2027', 'by Q3', 'after the next funding round'];
const ADVICE = [
  'Run a staged pilot first and review after one quarter.',
  'Proceed, with a budget cap and a clear exit criterion.',
  'Wait for better data on demand before committing.',
  'Go ahead in two phases, starting with the lowest-risk option.',
  'Decline for now; revisit when the runway exceeds 24 months.',
];

export function retrievalSet(): { decisions: RetrievalDecision[]; queries: RetrievalQuery[] } {
  const decisions: RetrievalDecision[] = [];
  TOPICS.forEach(([a, b], t) => {
    PLACES.forEach((place, p) => {
      VARIANTS.forEach((when, v) => {
        const [asked, answered] = (p + v) % 2 === 0 ? [a, b] : [b, a];
        decisions.push({
          key: `${t}:${p}:${v}`,
          topic: t,
          place: p,
          query: `Should we ${asked} ${place} ${when}?`,
          // an answer restates its subject in its own words, then advises
          recommendation: `${answered.charAt(0).toUpperCase()}${answered.slice(1)} ${place}? ${ADVICE[(t + p + v) % ADVICE.length]}`,
        });
      });
    });
  });
  const queries: RetrievalQuery[] = [];
  TOPICS.forEach(([a, , para, short, derived], t) => {
    const relevantAt = (p: number) =>
      decisions.filter((d) => d.topic === t && d.place === p).map((d) => d.key);
    const p1 = (t * 3) % PLACES.length;
    const p2 = (t * 3 + 4) % PLACES.length;
    const p3 = (t * 7 + 1) % PLACES.length;
    queries.push({ q: `${para} ${PLACES[p1]}`, relevant: relevantAt(p1), kind: 'paraphrase' });
    queries.push({ q: `${a} ${PLACES[p2]}`, relevant: relevantAt(p2), kind: 'same_words' });
    queries.push({ q: `${short} ${PLACES[p3]}`, relevant: relevantAt(p3), kind: 'short' });
    const p4 = (t * 7 + 5) % PLACES.length;
    queries.push({ q: `${derived} ${PLACES[p4]}`, relevant: relevantAt(p4), kind: 'derived' });
  });
  return { decisions, queries };
}

export function recallAt(k: number, ranked: readonly string[], relevant: readonly string[]): number {
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((r) => top.has(r)).length / Math.min(k, relevant.length);
}

export function ndcgAt(k: number, ranked: readonly string[], relevant: readonly string[]): number {
  const rel = new Set(relevant);
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    if (rel.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.length); i += 1) ideal += 1 / Math.log2(i + 2);
  return ideal === 0 ? 0 : dcg / ideal;
}
