// named imports: the bundler keeps only these keys (the files' `$comment`s stay out of the Lambda bundles)
import { horizon, plan, product, role, segment, team } from './lexicon/groups.json';
import { negations, pairs } from './lexicon/polarity.json';
import { after, flip, markers as markerWords } from './lexicon/relations.json';
import { filler, heads, stop, toHeadAfter, trailers } from './lexicon/stopwords.json';
import { actions, groups as synonymGroups } from './lexicon/synonyms.json';
import { stemPhrase } from './stem';

/**
 * The question lexicons (JSON under `lexicon/`), loaded once and keyed by stemmed phrase. Code never lists
 * words itself: to teach the guard a synonym, an opposite or a group, edit the data.
 */
export interface Lexicon {
  /** raw lower-case words dropped everywhere */
  stop: ReadonlySet<string>;
  /** raw lower-case words dropped only around the question (greetings, lead-ins, sign-offs) */
  filler: ReadonlySet<string>;
  /** raw lower-case words where the question proper starts */
  heads: ReadonlySet<string>;
  /** evaluative endings (raw word sequences) dropped at the very end of a question */
  trailers: ReadonlyArray<readonly string[]>;
  /** 'to' starts the question only after one of these ('is it wise to …') */
  toHeadAfter: ReadonlySet<string>;
  /** stemmed phrase → canonical concept */
  synonyms: ReadonlyMap<string, string>;
  /** concepts that are actions (verbs) */
  actions: ReadonlySet<string>;
  /** longest phrase first (number of words) */
  maxPhraseWords: number;
  /** concept → concepts that are its opposite */
  opposites: ReadonlyMap<string, ReadonlySet<string>>;
  /** stemmed negation phrases */
  negations: ReadonlySet<string>;
  /** stemmed phrase → group kind (team, segment, plan, product, horizon, role) */
  groups: ReadonlyMap<string, string>;
  /** stemmed marker phrase → relation */
  markers: ReadonlyMap<string, string>;
  flip: Readonly<Record<string, string>>;
  /** relation markers that count only after one of these stemmed words */
  markerAfter: ReadonlyMap<string, ReadonlySet<string>>;
}

function build(): Lexicon {
  const syn = new Map<string, string>();
  let maxPhraseWords = 1;
  const note = (key: string) => {
    maxPhraseWords = Math.max(maxPhraseWords, key.split(' ').length);
  };
  for (const group of synonymGroups) {
    const canon = stemPhrase(group[0] ?? '');
    for (const form of group) {
      const key = stemPhrase(form);
      syn.set(key, canon);
      note(key);
    }
  }
  const concept = (w: string) => {
    const k = stemPhrase(w);
    return syn.get(k) ?? k;
  };
  const opposites = new Map<string, Set<string>>();
  for (const [a, b] of pairs as Array<[string, string]>) {
    const ca = concept(a);
    const cb = concept(b);
    if (!opposites.has(ca)) opposites.set(ca, new Set());
    if (!opposites.has(cb)) opposites.set(cb, new Set());
    opposites.get(ca)!.add(cb);
    opposites.get(cb)!.add(ca);
  }
  const negationSet = new Set(negations.map(stemPhrase));
  for (const n of negationSet) note(n);
  const groupMap = new Map<string, string>();
  const kinds: Record<string, string[]> = { team, segment, plan, product, horizon, role };
  for (const [kind, list] of Object.entries(kinds)) {
    for (const g of list) {
      groupMap.set(stemPhrase(g), kind);
      groupMap.set(concept(g), kind);
    }
  }
  const markers = new Map<string, string>();
  for (const [m, rel] of Object.entries(markerWords as Record<string, string>)) {
    const key = stemPhrase(m);
    markers.set(key, rel);
    note(key);
  }
  const markerAfter = new Map<string, Set<string>>();
  for (const [m, words] of Object.entries(after as Record<string, string[]>)) {
    markerAfter.set(stemPhrase(m), new Set(words.map(stemPhrase)));
  }
  return {
    stop: new Set(stop),
    filler: new Set(filler),
    heads: new Set(heads),
    toHeadAfter: new Set(toHeadAfter),
    trailers: trailers.map((t) => t.toLowerCase().split(/\s+/)).sort((a, b) => b.length - a.length),
    synonyms: syn,
    actions: new Set(actions.map(concept)),
    maxPhraseWords,
    opposites,
    negations: negationSet,
    groups: groupMap,
    markers,
    flip: flip as Record<string, string>,
    markerAfter,
  };
}

let cached: Lexicon | undefined;

export function lexicon(): Lexicon {
  cached ??= build();
  return cached;
}
