import { findEntities } from './entities';
import { lexicon } from './lexicon';
import { stemWord } from './stem';

/**
 * The frame of a question: what it asks to do, to what, for whom, in which direction. Two questions ask
 * the same thing when their frames are equal; `compareFrames` says how they differ otherwise.
 *
 * - `entities`: numbers, amounts, percentages, dates and places (`question/entities.ts`; capitalised names
 *   are compared as words, so "Chief Financial Officer" = "chief financial officer").
 * - `concepts`: every content word, after dropping function words, greetings and lead-ins, stemming, and
 *   mapping synonyms to one canonical form (lexicon/synonyms.json). Order does not matter here.
 * - `relations`: what each ordering word relates — "iOS before Android" gives `before>android` (and
 *   `before<ios`); "A after B" is "B before A"; "from X to Y" gives `from>x`, `to>y`.
 */
export interface Frame {
  entities: string[];
  concepts: string[];
  relations: string[];
  /** concepts that came from capitalised names (companies, products, people) */
  names: string[];
  /** group word @ the content word it hangs off (see attachmentsOf) */
  attachments: string[];
  negated: boolean;
}

type Token =
  | { kind: 'sep' }
  | { kind: 'entity'; tag: string }
  | { kind: 'word'; raw: string; stem: string; name?: boolean };

const NOT = '!not';
/** words that join two things without ordering them ('build vs buy' = 'buy vs build') */
const CONJUNCTIONS = new Set(['and', 'or', 'but', 'vs', 'versus', 'nor', 'plus']);

function tokenize(query: string): Token[] {
  const { text, spans } = findEntities(
    query
      .replace(/\bcan['’]t\b/giu, 'can not')
      .replace(/\bwon['’]t\b/giu, 'will not')
      .replace(/n['’]t\b/giu, ' not'),
  );
  const out: Token[] = [];
  const plain = (s: string, name = false) => {
    for (const m of s.matchAll(/[\p{L}\p{N}]+|[,;:]|\s[-–—]\s/gu)) {
      const raw = m[0].toLowerCase();
      if (/^[\p{L}\p{N}]/u.test(raw))
        out.push({ kind: 'word', raw, stem: stemWord(raw), ...(name ? { name } : {}) });
      else out.push({ kind: 'sep' });
    }
  };
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue;
    plain(text.slice(at, s.start));
    // a capitalised name is compared as words ("Chief Financial Officer" = "chief financial officer"), but
    // a name that differs is another company or product, never an unknown word
    if (s.tag.startsWith('name:')) plain(text.slice(s.start, s.end), true);
    else out.push({ kind: 'entity', tag: s.tag });
    at = s.end;
  }
  plain(text.slice(at));
  return out;
}

const isWord = (t: Token | undefined): t is Extract<Token, { kind: 'word' }> => t?.kind === 'word';

/** Drops a lead-in made only of filler ("Hi, quick question: do you think we should …") and a trailing one. */
function core(tokens: Token[]): Token[] {
  const lex = lexicon();
  const fill = (t: Token) =>
    t.kind === 'sep' || (isWord(t) && (lex.filler.has(t.raw) || lex.stop.has(t.raw)));
  let start = 0;
  for (let i = 0; i < tokens.length; i += 1) {
    const t = tokens[i]!;
    if (!fill(t)) break;
    if (!isWord(t) || !lex.heads.has(t.raw)) continue;
    const prev = tokens[i - 1];
    if (t.raw === 'to' && !(isWord(prev) && lex.toHeadAfter.has(prev.raw))) continue;
    start = i + 1;
  }
  let end = tokens.length;
  const lastSep = tokens.findLastIndex((t) => t.kind === 'sep');
  if (lastSep >= start && tokens.slice(lastSep + 1).every(fill)) end = lastSep;
  for (const trailer of lex.trailers) {
    const from = end - trailer.length;
    if (from <= start) continue;
    if (
      trailer.every((w, k) => {
        const t = tokens[from + k];
        return isWord(t) && t.raw === w;
      })
    ) {
      end = from;
      break;
    }
  }
  return tokens.slice(start, end);
}

interface Concept {
  value: string;
  /** the concept came from a capitalised name */
  name?: boolean;
  marker?: string;
  /** 'and' / 'or' between two words: no concept, but it separates them */
  conj?: boolean;
}

function concepts(tokens: Token[]): Concept[] {
  const lex = lexicon();
  const out: Concept[] = [];
  const seen = new Set<string>();
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.kind === 'sep') {
      out.push({ value: ',', conj: true });
      i += 1;
      continue;
    }
    if (t.kind === 'entity') {
      out.push({ value: `#${t.tag}` });
      i += 1;
      continue;
    }
    let matched = false;
    for (let n = Math.min(lex.maxPhraseWords, tokens.length - i); n >= 1 && !matched; n -= 1) {
      const parts = tokens.slice(i, i + n);
      if (!parts.every(isWord)) continue;
      const key = parts.map((p) => p.stem).join(' ');
      const rel = lex.markers.get(key);
      const needs = lex.markerAfter.get(key);
      if (rel && (!needs || [...needs].some((w) => seen.has(w)))) {
        out.push({ value: `>${lex.flip[rel] ?? rel}`, marker: rel });
        matched = true;
      } else if (lex.negations.has(key)) {
        out.push({ value: NOT });
        matched = true;
      } else {
        const syn = lex.synonyms.get(key);
        if (syn !== undefined) {
          out.push({ value: syn, ...(parts.some((p) => p.name) ? { name: true } : {}) });
          matched = true;
        } else if (n === 1 && CONJUNCTIONS.has(t.raw)) {
          out.push({ value: '&', conj: true });
          matched = true;
        } else if (n === 1 && !lex.stop.has(t.raw)) {
          out.push({ value: t.stem, ...(t.name ? { name: true } : {}) });
          matched = true;
        } else if (n === 1) {
          matched = true; // a stop word: dropped
        }
      }
      if (matched) {
        for (const p of parts) seen.add(p.stem);
        i += n;
      }
    }
  }
  return out;
}

const RELATION_WORDS = 2;

/**
 * What each ordering word points at: up to two content words after it (before it, for a flipped marker),
 * up to the next marker, action, 'and'/'or' or comma. "iOS before Android" → `before>android`; "a VP of Sales
 * before a VP of Marketing" → `before>marketing+vp`; "Android after iOS" → `before>…ios`.
 */
function relationsOf(cs: Concept[]): string[] {
  const lex = lexicon();
  const out = new Set<string>();
  const span = (from: number, step: 1 | -1): string[] => {
    const got: string[] = [];
    for (let j = from + step; j >= 0 && j < cs.length && got.length < RELATION_WORDS; j += step) {
      const c = cs[j]!;
      if (c.marker || c.conj || lex.actions.has(c.value)) break;
      // dates and amounts are compared on their own; places are what "from X to Y" relates
      if (c.value !== NOT && (!c.value.startsWith('#') || c.value.startsWith('#place:'))) got.push(c.value);
    }
    return got.sort();
  };
  cs.forEach((c, i) => {
    if (!c.marker) return;
    const flipped = lex.flip[c.marker];
    const target = span(i, flipped ? -1 : 1);
    if (target.length > 0) out.add(`${flipped ?? c.marker}>${target.join('+')}`);
  });
  return [...out].sort();
}

/**
 * What each group word (team, segment, plan, product…) hangs off: the nearest action (verb) before it.
 * "sunset the desktop app and focus on the web app" → `desktop@discontinu`, `web@target`, so swapping
 * desktop and web is a different question; a passive ("the app be launched on iOS") attaches the same way.
 */
function attachmentsOf(cs: Concept[]): string[] {
  const lex = lexicon();
  const out: string[] = [];
  cs.forEach((c, i) => {
    if (!lex.groups.has(c.value)) return;
    for (let j = i - 1; j >= 0; j -= 1) {
      const p = cs[j]!;
      if (!lex.actions.has(p.value)) continue;
      // actions joined by 'and'/'or'/'vs' ("build vs buy our CRM") are one anchor, in any order
      const anchor = [p.value];
      for (let k = j - 1; k >= 1 && cs[k]!.conj && lex.actions.has(cs[k - 1]!.value); k -= 2) {
        anchor.push(cs[k - 1]!.value);
      }
      out.push(`${c.value}@${anchor.sort().join('+')}`);
      return;
    }
  });
  return out.sort();
}

export function parseFrame(query: string): Frame {
  const cs = concepts(core(tokenize(query)));
  const entities = [
    ...new Set(cs.filter((c) => c.value.startsWith('#')).map((c) => c.value.slice(1))),
  ].sort();
  return {
    entities,
    concepts: [
      ...new Set(
        cs.filter((c) => !c.conj && !c.value.startsWith('#') && c.value !== NOT).map((c) => c.value),
      ),
    ].sort(),
    relations: relationsOf(cs),
    names: [...new Set(cs.filter((c) => c.name).map((c) => c.value))].sort(),
    attachments: attachmentsOf(cs),
    negated: cs.filter((c) => c.value === NOT).length % 2 === 1,
  };
}

export type FrameDifference =
  | 'entity'
  | 'negation'
  | 'opposite_action'
  | 'group'
  | 'name'
  | 'order'
  | 'content'
  | 'unknown_words';

export interface FrameComparison {
  /** `same`: the same question; `different`: certainly not; `unsure`: only words the lexicon does not know differ */
  verdict: 'same' | 'different' | 'unsure';
  difference?: FrameDifference;
  /** the concepts (or entities, relations) found in only one of the two questions */
  differing: string[];
}

function symmetricDifference(
  a: readonly string[],
  b: readonly string[],
): { onlyA: string[]; onlyB: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { onlyA: a.filter((x) => !sb.has(x)), onlyB: b.filter((x) => !sa.has(x)) };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const { onlyA, onlyB } = symmetricDifference(a, b);
  return onlyA.length === 0 && onlyB.length === 0;
}

/** A group word both questions attach to something must attach to the same thing in both. */
function sameAttachments(a: readonly string[], b: readonly string[]): boolean {
  const of = (xs: readonly string[]) => {
    const m = new Map<string, Set<string>>();
    for (const x of xs) {
      const k = x.indexOf('@');
      const g = x.slice(0, k);
      if (!m.has(g)) m.set(g, new Set());
      m.get(g)!.add(x.slice(k + 1));
    }
    return m;
  };
  const ma = of(a);
  const mb = of(b);
  for (const [g, xs] of ma) {
    const ys = mb.get(g);
    if (ys && !sameSet([...xs], [...ys])) return false;
  }
  return true;
}

export function compareFrames(a: Frame, b: Frame): FrameComparison {
  const lex = lexicon();
  const ent = symmetricDifference(a.entities, b.entities);
  if (ent.onlyA.length + ent.onlyB.length > 0) {
    return { verdict: 'different', difference: 'entity', differing: [...ent.onlyA, ...ent.onlyB] };
  }
  if (a.negated !== b.negated) return { verdict: 'different', difference: 'negation', differing: [NOT] };
  const { onlyA, onlyB } = symmetricDifference(a.concepts, b.concepts);
  const differing = [...onlyA, ...onlyB];
  if (onlyA.some((x) => onlyB.some((y) => lex.opposites.get(x)?.has(y)))) {
    return { verdict: 'different', difference: 'opposite_action', differing };
  }
  if (differing.some((x) => lex.groups.has(x)))
    return { verdict: 'different', difference: 'group', differing };
  if (differing.some((x) => a.names.includes(x) || b.names.includes(x))) {
    return { verdict: 'different', difference: 'name', differing };
  }
  if (
    differing.some((x) => x.startsWith('>')) ||
    !sameSet(a.relations, b.relations) ||
    !sameAttachments(a.attachments, b.attachments)
  ) {
    return {
      verdict: 'different',
      difference: 'order',
      differing: differing.length > 0 ? differing : a.relations,
    };
  }
  if (differing.length === 0) return { verdict: 'same', differing };
  const known = (x: string) => lex.synonyms.has(x) || lex.opposites.has(x);
  if (differing.some(known)) return { verdict: 'different', difference: 'content', differing };
  return { verdict: 'unsure', difference: 'unknown_words', differing };
}

/** Convenience: parse both and compare. */
export function compareQuestions(a: string, b: string): FrameComparison {
  return compareFrames(parseFrame(a), parseFrame(b));
}
