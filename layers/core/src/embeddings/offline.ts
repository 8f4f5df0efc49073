import type { Embeddings } from './types';
import { l2Normalize } from './vector';

/**
 * Deterministic offline embedder (the default; no network, no model files): signed feature hashing of
 * word unigrams, word bigrams and character 3-grams into `dimensions` buckets, L2-normalised.
 * Function words are dropped and words lightly stemmed, so paraphrases ("expand into Germany" /
 * "expanding to Germany") land close together while unrelated questions share almost no features.
 */
const STOP_WORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing down during each few for from further had has have having he her ' +
    'here hers him his how i if in into is it its itself just let lets me more most my no nor not now of off on ' +
    'once only or other our ours out over own same she should so some such than that the their theirs them then ' +
    'there these they this those through to too under until up us very was we were what when where which while ' +
    'who whom why will with would you your yours shall may might must ought idea good think thinking consider ' +
    'considering whether worth wise sense make makes sensible right time go going get getting also please'
  ).split(' '),
);

const UNIGRAM_WEIGHT = 1.0;
const BIGRAM_WEIGHT = 0.6;
const TRIGRAM_WEIGHT = 0.35;

/** fmix32 of FNV-1a: well-mixed 32-bit hash. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function stem(word: string): string {
  let w = word;
  if (w.endsWith("'s") || w.endsWith('’s')) w = w.slice(0, -2);
  if (w.length > 5 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('es') && /(ss|sh|ch|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) w = w.slice(0, -1);
  // expanding → expand, hiring → hir(e): fold a doubled final consonant
  if (w.length > 3 && /([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|ff|zz)$/.test(w)) w = w.slice(0, -1);
  return w;
}

export function contentWords(text: string): string[] {
  const words =
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}$%€£]+/gu) ?? [];
  return words.filter((w) => !STOP_WORDS.has(w)).map(stem);
}

export class OfflineEmbeddings implements Embeddings {
  readonly id: string;
  readonly paraphraseThreshold = 0.6;

  constructor(readonly dimensions = 256) {
    this.id = `offline-hash-v1:${dimensions}`;
  }

  embedOne(text: string): number[] {
    const v = new Array<number>(this.dimensions).fill(0);
    const add = (feature: string, weight: number) => {
      const h = hash32(feature);
      const sign = (h & 0x80000000) !== 0 ? -1 : 1;
      const idx = h % this.dimensions;
      v[idx] = (v[idx] ?? 0) + sign * weight;
    };
    const words = contentWords(text);
    for (let i = 0; i < words.length; i += 1) {
      const w = words[i] ?? '';
      add(`u:${w}`, UNIGRAM_WEIGHT);
      if (i + 1 < words.length) add(`b:${w} ${words[i + 1]}`, BIGRAM_WEIGHT);
      const padded = `^${w}$`;
      const grams = Math.max(1, padded.length - 2);
      const gw = TRIGRAM_WEIGHT / Math.sqrt(grams);
      for (let j = 0; j + 3 <= padded.length; j += 1) add(`c:${padded.slice(j, j + 3)}`, gw);
    }
    return l2Normalize(v);
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embedOne(t));
  }
}
