import { irregular } from './lexicon/synonyms.json';

const IRREGULAR: Readonly<Record<string, string>> = irregular;

/**
 * A light English stemmer for comparing questions: inflections fold together ("discontinued" =
 * "discontinue", "hiring" = "hire", "prices" = "pricing"), irregular forms come from the lexicon
 * ("bought" = "buy"). Both sides of every comparison, and every lexicon entry, go through it.
 */
export function stemWord(word: string): string {
  let w = word.toLowerCase().replace(/['’]s$/u, '');
  w = IRREGULAR[w] ?? w;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && /(ss|sh|ch|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  if (w.length > 3 && /([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|ff|zz)$/.test(w)) w = w.slice(0, -1);
  return w;
}

/** Words of a text (letters and digits; hyphens and slashes split words), lower case. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A phrase's stemmed words joined by one space: the key every lexicon lookup uses. */
export function stemPhrase(phrase: string): string {
  return words(phrase).map(stemWord).join(' ');
}
