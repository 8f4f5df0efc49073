/** Reads the numbers and intent out of an executive's free-text question (offline model only). */

import { isMoney, numberMentions } from '../../question/amounts';

export interface Amount {
  value: number;
  index: number;
  raw: string;
  /** the amount is per year (followed by "per year", "/yr", "annually", preceded by "annual") */
  yearly: boolean;
  role: 'investment' | 'revenue' | 'cost' | 'savings' | 'unknown';
}

const YEARLY_AFTER =
  /^\s*(?:(?:a|per|each|every)\s+(?:year|annum|yr)|\/\s*(?:yr|year)|annually|yearly|p\.?a\.?|in (?:annual|yearly))/i;
const YEARLY_BEFORE = /(annual|yearly|per year|each year|a year)\W*(?:\w+\W+){0,3}$/i;

function roleOf(before: string): Amount['role'] {
  const b = before.toLowerCase();
  const last = (re: RegExp) => {
    let pos = -1;
    for (const m of b.matchAll(re)) pos = m.index ?? pos;
    return pos;
  };
  const scores: Array<[Amount['role'], number]> = [
    ['revenue', last(/revenue|sales|income|bring(?:s|ing)? in|generat\w*|earn\w*|turnover|arr\b|mrr\b/g)],
    ['savings', last(/sav(?:e|es|ing|ings)\b/g)],
    [
      'cost',
      last(/\b(?:operating|running|ongoing|annual|yearly)\s+(?:cost|expense)s?|opex|expenses?|costs?\b/g),
    ],
    [
      'investment',
      last(/invest\w*|spend\w*|capex|up-?front|budget|acquir\w*|buy(?:ing)?\b|pay(?:ing)?\b|fund\w*|put\b/g),
    ],
  ];
  let best: Amount['role'] = 'unknown';
  let bestPos = -1;
  for (const [role, pos] of scores) {
    if (pos > bestPos) {
      best = role;
      bestPos = pos;
    }
  }
  return best;
}

/** The sums of money in a question (`question/amounts.ts`), each with whether it is yearly and what it is for. */
export function parseAmounts(text: string): Amount[] {
  const out: Amount[] = [];
  for (const m of numberMentions(text)) {
    if (!isMoney(m)) continue;
    const before = text.slice(Math.max(0, m.start - 48), m.start);
    const after = text.slice(m.end, m.end + 24);
    const yearly = YEARLY_AFTER.test(after) || YEARLY_BEFORE.test(before);
    let role = roleOf(before);
    // "costs $300k per year" is an operating cost, "costs $2M" a one-off investment.
    if (role === 'cost' && !yearly) role = 'investment';
    out.push({ value: m.value, index: m.start, raw: text.slice(m.start, m.end), yearly, role });
  }
  return out;
}

export interface Percent {
  value: number;
  index: number;
  /** ~40 characters before the number, lower case */
  context: string;
  /** the (up to) three words after it, lower case: "12% discount rate" */
  after: string;
}

export function parsePercents(text: string): Percent[] {
  const out: Percent[] = [];
  for (const m of text.matchAll(/(-?\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b)/gi)) {
    const index = m.index ?? 0;
    out.push({
      value: Number(m[1]) / 100,
      index,
      context: text.slice(Math.max(0, index - 40), index).toLowerCase(),
      after: text
        .slice(index + m[0].length)
        .trim()
        .split(/\s+/)
        .slice(0, 3)
        .join(' ')
        .toLowerCase(),
    });
  }
  return out;
}

export function parseYears(text: string): number | undefined {
  const m = /\b(\d{1,2})\s*(?:-\s*)?(?:years?|yrs?)\b/i.exec(text);
  if (!m) return undefined;
  const years = Number(m[1]);
  return years >= 1 && years <= 30 ? years : undefined;
}

/** "build vs buy for our CRM" → ["Build", "Buy"]; "between A and B" / "choose A or B" likewise. */
export function parseOptions(text: string): string[] {
  const clean = text.replace(/[?!.]+\s*$/, '');
  const cap = (s: string) => {
    const t = s.trim().replace(/^(?:the|a|an|to|we|should we|whether to)\s+/i, '');
    return t.charAt(0).toUpperCase() + t.slice(1);
  };
  const stop = /\s+(?:for|of|in|on|at|with|to|by|from|when|if|as|because|given)\b|[,:;(]/i;
  if (/\b(?:vs\.?|versus)\s/i.test(clean)) {
    const parts = clean.split(/\s+(?:vs\.?|versus)\s+/i);
    const options: string[] = [];
    parts.forEach((part, i) => {
      let p = part;
      if (i === 0) {
        // the first option starts after the last colon/comma or lead-in ("should we", "choose")
        p = p.split(/[:,]|\b(?:between|choose|pick|decide|whether)\b/i).pop() ?? p;
        p = p.trim().replace(/^(?:should|shall|can|could|do|would)\s+(?:we|i)\s+/i, '');
      }
      p = p.split(stop)[0] ?? p;
      const words = p.trim().split(/\s+/);
      if (words.length > 5) p = (i === 0 ? words.slice(-3) : words.slice(0, 3)).join(' ');
      const name = cap(p);
      if (name && !options.includes(name)) options.push(name);
    });
    return options.slice(0, 6);
  }
  const between = /\bbetween\s+(.+?)\s+and\s+(.+?)(?:$|[?,.;]|\s+(?:for|in|on|given)\b)/i.exec(clean);
  if (between) return [cap(between[1]!), cap(between[2]!)];
  const either =
    /\b(?:choose|pick|go with|select|prefer)\s+(.+?)\s+or\s+(.+?)(?:$|[?,.;]|\s+(?:for|in|on|given)\b)/i.exec(
      clean,
    );
  if (either) return [cap(either[1]!), cap(either[2]!)];
  return [];
}

/** The action of a yes/no "Should we …?" question: "expand to new markets". */
export function parseProposal(text: string): string | undefined {
  const m = /\b(?:should|shall|can|could)\s+(?:we|i|the company)\s+(.+?)(?:\?|$)/i.exec(text.trim());
  if (!m) return undefined;
  return m[1]!.trim().replace(/\s+/g, ' ');
}

export interface Intent {
  pricing: boolean;
  expansion: boolean;
  investment: boolean;
  buildVsBuy: boolean;
  choice: boolean;
  risk: boolean;
  financial: boolean;
  yesNo: boolean;
}

export function detectIntent(text: string): Intent {
  const t = text.toLowerCase();
  const pricing =
    /\b(?:rais\w*|increas\w*|hik\w*|cut\w*|lower\w*|reduc\w*|chang\w*)\s+(?:our\s+|the\s+)?(?:list\s+)?prices?\b|\bprice\s+(?:increase|rise|hike|cut|change|reduction)\b|\brepric\w*/.test(
      t,
    );
  const expansion =
    /\bexpan\w*|\bnew markets?\b|\binternational\w*|\benter(?:ing)?\b|\bnew (?:region|countr\w*|geograph\w*)/.test(
      t,
    );
  const investment =
    /\binvest\w*|\bnew product\b|\bproduct line\b|\blaunch\w*|\bacquir\w*|\bacquisition\b|\bcapex\b/.test(t);
  const buildVsBuy =
    /\bbuild\b.*\b(?:vs\.?|versus|or)\b.*\bbuy\b|\bbuy\b.*\b(?:vs\.?|versus|or)\b.*\bbuild\b/.test(t);
  const choice =
    /\bvs\.?\s|\bversus\b|\bchoose\b|\bwhich (?:option|one|is better)\b|\boptions?\b|\balternatives?\b|\bbetween\b/.test(
      t,
    );
  const risk = /\brisks?\b|\brisky\b|\bdownsides?\b|\bthreats?\b|\bwhat could go wrong\b|\bexposure\b/.test(
    t,
  );
  const financial =
    pricing ||
    expansion ||
    investment ||
    /\bcosts?\b|\brevenue\b|\bprices?\b|\bpricing\b|\bbudget\b|\bprofit\w*|\bmargin\b|\broi\b|\$|€|£/.test(t);
  const yesNo = /^\s*(?:should|shall|can|could|do|would)\s+(?:we|i|the company)\b/.test(t);
  return { pricing, expansion, investment, buildVsBuy, choice, risk, financial, yesNo };
}
