import { caseSensitive, aliases as placeAliases, plain } from './lexicon/places.json';

/**
 * A small gazetteer of countries, regions, cities and common aliases (data: `lexicon/places.json`),
 * lowercase → canonical name. Used by the question parser so "expand to Germany" and "expand to Japan"
 * never share an answer, even in lowercase.
 */

/** Lowercase surface form → canonical place name. */
export const PLACES: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  for (const p of plain) m.set(p, p);
  for (const [canon, aliases] of Object.entries(placeAliases as Record<string, string[]>)) {
    m.set(canon, canon);
    for (const a of aliases) m.set(a, canon);
  }
  return m;
})();

/** Aliases that are also ordinary English words: matched only when written in capitals ("US", "SEA"). */
export const CASE_SENSITIVE_ALIASES: ReadonlySet<string> = new Set(caseSensitive);

/** Longest surface forms first (so "south africa" wins over "africa"). */
export const PLACE_FORMS: readonly string[] = [...PLACES.keys()].sort((a, b) => b.length - a.length);
