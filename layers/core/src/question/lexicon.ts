import groups from './lexicon/groups.json';
import polarity from './lexicon/polarity.json';
import relations from './lexicon/relations.json';
import stopwords from './lexicon/stopwords.json';
import synonyms from './lexicon/synonyms.json';
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
  for (const group of synonyms.groups) {
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
  for (const [a, b] of polarity.pairs as Array<[string, string]>) {
    const ca = concept(a);
    const cb = concept(b);
    if (!opposites.has(ca)) opposites.set(ca, new Set());
    if (!opposites.has(cb)) opposites.set(cb, new Set());
    opposites.get(ca)!.add(cb);
    opposites.get(cb)!.add(ca);
  }
  const negations = new Set(polarity.negations.map(stemPhrase));
  for (const n of negations) note(n);
  const groupMap = new Map<string, string>();
  for (const [kind, list] of Object.entries(groups as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    for (const g of list as string[]) {
      groupMap.set(stemPhrase(g), kind);
      groupMap.set(concept(g), kind);
    }
  }
  const markers = new Map<string, string>();
  for (const [m, rel] of Object.entries(relations.markers)) {
    const key = stemPhrase(m);
    markers.set(key, rel);
    note(key);
  }
  const markerAfter = new Map<string, Set<string>>();
  for (const [m, after] of Object.entries(relations.after as Record<string, string[]>)) {
    markerAfter.set(stemPhrase(m), new Set(after.map(stemPhrase)));
  }
  return {
    stop: new Set(stopwords.stop),
    filler: new Set(stopwords.filler),
    heads: new Set(stopwords.heads),
    toHeadAfter: new Set(stopwords.toHeadAfter),
    trailers: stopwords.trailers.map((t) => t.toLowerCase().split(/\s+/)).sort((a, b) => b.length - a.length),
    synonyms: syn,
    actions: new Set(synonyms.actions.map(concept)),
    maxPhraseWords,
    opposites,
    negations,
    groups: groupMap,
    markers,
    flip: relations.flip,
    markerAfter,
  };
}

let cached: Lexicon | undefined;

export function lexicon(): Lexicon {
  cached ??= build();
  return cached;
}
