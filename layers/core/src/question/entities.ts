import { numberMentions } from './amounts';
import { CASE_SENSITIVE_ALIASES, PLACE_FORMS, PLACES } from './gazetteer';

/**
 * The "what matters" of a question, for the semantic cache: two questions may share an answer only when
 * they name the same numbers, amounts, percentages, years/quarters/months, places and capitalised names.
 * Output: sorted, de-duplicated tags such as `amount:usd:2000000`, `pct:15`, `year:2026`, `period:q3`,
 * `month:march`, `place:germany`, `name:acme`.
 */

const FISCAL_RE = /(?<![\p{L}\p{N}])fy\s?'?(\d{2}|\d{4})(?![\p{L}\p{N}])/giu;
const PERIOD_RE = /(?<![\p{L}\p{N}])([qh][1-4])(?![\p{L}\p{N}])/giu;
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const MONTH_RE = new RegExp(`(?<![\\p{L}\\p{N}])(${MONTHS.join('|')}|May)(?![\\p{L}\\p{N}])`, 'giu');

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
const PLACE_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])(${PLACE_FORMS.map(escapeRe).join('|')})(?![\\p{L}\\p{N}])`,
  'giu',
);

/** Function words that start or fill questions; never names, even when capitalised. */
const COMMON_WORDS = new Set(
  (
    'a an and are as at be been being but by can could did do does doing for from had has have having how i if ' +
    'in into is it its let lets may might must no not of on or our ours should shall so than that the their them ' +
    'then there these they this those to under up us was we were what when where whether which while who whom ' +
    'why will with would you your yes ok okay please hi hello hey given assuming compare compared consider ' +
    'considering help tell give show explain evaluate analyse analyze assess recommend suggest ' +
    'next last this year quarter month week today tomorrow now also any all each every some more most less ' +
    'new over about after before between during against via per vs versus is'
  ).split(' '),
);

/** Ordinary words that begin imperative or question sentences ("Expand into…", "Hiring…"). */
const SENTENCE_STARTERS = new Set(
  (
    'expand expanding launch launching hire hiring raise raising acquire acquiring enter entering cut cutting ' +
    'open opening build building buy buying sell selling invest investing increase increasing decrease ' +
    'reduce reducing lower lowering move moving shift switch switching adopt adopting outsource outsourcing ' +
    'close closing merge merging pivot pivoting grow growing scale scaling spend spending allocate prioritize ' +
    'prioritise focus double keep keeping stop stopping start starting continue change changing offer offering ' +
    'introduce partner partnering migrate migrating replace replacing automate automating consolidate ' +
    'restructure lay delay delaying postpone accelerate approve fund funding going time worth good best better ' +
    'would could can is are was were does do did will shall should may might must what which how why when ' +
    'where who whether given assuming suppose imagine if our we my their its it this that these those there ' +
    'here any implications impact effect risks risk pros cons cost costs price pricing revenue profit ' +
    'options option plan strategy analysis analyse analyze evaluate assess recommend recommendation decide'
  ).split(' '),
);

function fmt(n: number): string {
  return String(Number(n.toPrecision(12)));
}

/** Where an entity was found in the question: the frame parser reads it as one token. */
export interface EntitySpan {
  start: number;
  end: number;
  tag: string;
}

type Out = { tags: Set<string>; spans: EntitySpan[] };

function take(text: string, out: Out, tag: string, start: number, end: number): string {
  out.tags.add(tag);
  out.spans.push({ start, end, tag });
  return text.slice(0, start) + ' '.repeat(end - start) + text.slice(end);
}

function numbers(text: string, out: Out): string {
  let rest = text;
  for (const n of numberMentions(text)) {
    let tag: string;
    if (n.percent) tag = `pct:${fmt(n.value)}`;
    else if (n.currency) tag = `amount:${n.currency}:${fmt(n.value)}`;
    else if (!n.scaled && /^\d{4}$/.test(n.digits) && n.value >= 1900 && n.value <= 2100)
      tag = `year:${n.digits}`;
    else tag = `num:${fmt(n.value)}`;
    rest = take(rest, out, tag, n.start, n.end);
  }
  return rest;
}

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  hundred: 100,
};
// "one" is left out: "which one", "quick one" are not numbers
const NUMBER_WORD_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])(${Object.keys(NUMBER_WORDS).join('|')})(?![\\p{L}\\p{N}])`,
  'giu',
);

/** "three new stores" = "3 new stores", "a four-day week" = "a 4-day week". */
function numberWords(text: string, out: Out): string {
  let rest = text;
  for (const m of text.matchAll(NUMBER_WORD_RE)) {
    const value = NUMBER_WORDS[(m[1] ?? '').toLowerCase()];
    if (value === undefined) continue;
    rest = take(rest, out, `num:${value}`, m.index, m.index + m[0].length);
  }
  return rest;
}

function periods(text: string, out: Out): string {
  let rest = text;
  for (const m of text.matchAll(FISCAL_RE)) {
    const y = m[1] ?? '';
    rest = take(rest, out, `year:${y.length === 2 ? `20${y}` : y}`, m.index, m.index + m[0].length);
  }
  for (const m of rest.matchAll(PERIOD_RE)) {
    rest = take(rest, out, `period:${(m[1] ?? '').toLowerCase()}`, m.index, m.index + m[0].length);
  }
  for (const m of rest.matchAll(MONTH_RE)) {
    const word = m[1] ?? '';
    // "may" is a month only when written "May" mid-sentence
    if (word.toLowerCase() === 'may' && (word !== 'May' || isSentenceStart(rest, m.index))) continue;
    rest = take(rest, out, `month:${word.toLowerCase()}`, m.index, m.index + m[0].length);
  }
  return rest;
}

function places(text: string, out: Out): string {
  let rest = text;
  for (const m of text.matchAll(PLACE_RE)) {
    const surface = m[1] ?? '';
    const lower = surface.toLowerCase();
    if (CASE_SENSITIVE_ALIASES.has(lower) && surface !== surface.toUpperCase()) continue;
    const canon = PLACES.get(lower);
    if (!canon) continue;
    rest = take(rest, out, `place:${canon}`, m.index, m.index + m[0].length);
  }
  return rest;
}

function isSentenceStart(text: string, index: number): boolean {
  for (let i = index - 1; i >= 0; i -= 1) {
    const c = text[i] ?? '';
    if (c === ' ' || c === '\t' || c === '"' || c === "'" || c === '(' || c === '“' || c === '‘') continue;
    return c === '.' || c === '!' || c === '?' || c === ':' || c === '\n' || c === '\r';
  }
  return true;
}

function names(text: string, out: Out): void {
  const tokens = [...text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}&'’.-]*/gu)];
  let current: string[] = [];
  let start = -1;
  let lastEnd = -1;
  let nameEnd = -1;
  const flush = () => {
    if (current.length > 0) take(text, out, `name:${current.join(' ').toLowerCase()}`, start, nameEnd);
    current = [];
  };
  for (const t of tokens) {
    const word = t[0].replace(/[.'’-]+$/u, '');
    const capitalised = /^\p{Lu}/u.test(word);
    const common = COMMON_WORDS.has(word.toLowerCase());
    const initial = isSentenceStart(text, t.index);
    const isName =
      capitalised &&
      !common &&
      word.length > 1 &&
      // a sentence's first word is capitalised anyway: a name unless it is an ordinary verb/word
      !(initial && !/^\p{Lu}{2,}/u.test(word) && SENTENCE_STARTERS.has(word.toLowerCase()));
    const adjacent = lastEnd >= 0 && /^ ?$/.test(text.slice(lastEnd, t.index));
    if (isName) {
      if (!adjacent) flush();
      if (current.length === 0) start = t.index;
      current.push(word);
      nameEnd = t.index + word.length;
    } else {
      flush();
    }
    lastEnd = t.index + t[0].length;
  }
  flush();
}

/** The entities of a question with where each was found (offsets into the NFKC-normalised text). */
export function findEntities(query: string): { text: string; tags: string[]; spans: EntitySpan[] } {
  const out: Out = { tags: new Set(), spans: [] };
  const original = query.normalize('NFKC');
  let text = original;
  text = periods(text, out);
  text = numbers(text, out);
  text = numberWords(text, out);
  text = places(text, out);
  names(text, out);
  return {
    text: original,
    tags: [...out.tags].sort(),
    spans: out.spans.sort((a, b) => a.start - b.start),
  };
}

export function extractEntities(query: string): string[] {
  return findEntities(query).tags;
}

export function sameEntities(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((v, i) => v === sb[i]);
}
