// The one reader of numbers and amounts in a question ("$2M", "€ 1.5 million", "800k", "2M USD", "15%",
// "1,200"): the semantic cache's entities and the offline model's figures both come from here.

export type Currency = 'usd' | 'eur' | 'gbp' | 'jpy';

const CURRENCY: Readonly<Record<string, Currency>> = {
  $: 'usd',
  usd: 'usd',
  dollar: 'usd',
  dollars: 'usd',
  '€': 'eur',
  eur: 'eur',
  euro: 'eur',
  euros: 'eur',
  '£': 'gbp',
  gbp: 'gbp',
  pound: 'gbp',
  pounds: 'gbp',
  '¥': 'jpy',
  jpy: 'jpy',
  yen: 'jpy',
};

/** Multipliers of amount suffixes ("$2M", "800k", "1.5 billion"). */
const AMOUNT_SCALE: Readonly<Record<string, number>> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mm: 1e6,
  mn: 1e6,
  million: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9,
  trillion: 1e12,
};

const NUMBER_RE =
  /(?<![\p{L}\p{N}.,])(?<cur>[$€£¥]|usd|eur|gbp)?\s?(?<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s?(?<suf>%|percent\b|per cent\b|k\b|mm\b|mn\b|m\b|bn\b|b\b|thousand\b|million\b|billion\b|trillion\b))?(?:\s?(?<cur2>usd\b|eur\b|gbp\b|jpy\b|dollars?\b|euros?\b|pounds?\b|yen\b))?/giu;

export interface NumberMention {
  /** where the mention starts and ends in the text (currency signs and words included) */
  start: number;
  end: number;
  /** the digits as written: `1,200`, `1.5` */
  digits: string;
  /** the number with its scale applied: "$1.5M" → 1500000; a percentage as written: "15%" → 15 */
  value: number;
  percent: boolean;
  /** a scale word or suffix was given ("k", "M", "million", …) */
  scaled: boolean;
  currency?: Currency;
}

/** Every number mentioned in `text`, in order. */
export function numberMentions(text: string): NumberMention[] {
  const out: NumberMention[] = [];
  for (const m of text.matchAll(NUMBER_RE)) {
    const g = m.groups ?? {};
    const digits = g.num ?? '';
    const base = Number(digits.replace(/,/g, ''));
    if (!Number.isFinite(base)) continue;
    const suf = g.suf?.toLowerCase().replace(/\s+/g, ' ');
    const percent = suf === '%' || suf === 'percent' || suf === 'per cent';
    const scale = !percent && suf ? (AMOUNT_SCALE[suf] ?? 1) : 1;
    out.push({
      start: m.index,
      end: m.index + m[0].trimEnd().length,
      digits,
      value: base * scale,
      percent,
      scaled: !percent && suf !== undefined,
      currency: CURRENCY[(g.cur ?? g.cur2 ?? '').toLowerCase()],
    });
  }
  return out;
}

/** A sum of money: a number with a currency ("$800", "2M USD") or a scale ("800k", "1.5 million"). */
export function isMoney(m: NumberMention): boolean {
  return !m.percent && (m.currency !== undefined || m.scaled) && m.value > 0;
}
