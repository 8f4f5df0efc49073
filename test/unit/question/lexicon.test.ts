import { describe, expect, it } from 'vitest';
import { lexicon } from '#core/question/lexicon';
import { stemPhrase, stemWord } from '#core/question/stem';
import polarity from '../../../layers/core/src/question/lexicon/polarity.json';
import synonyms from '../../../layers/core/src/question/lexicon/synonyms.json';

describe('question lexicons (data files)', () => {
  it('puts every surface form in one synonym group only', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const group of synonyms.groups) {
      for (const form of group) {
        const key = stemPhrase(form);
        const before = seen.get(key);
        if (before !== undefined && before !== group[0]) clashes.push(`${form}: ${before} / ${group[0]}`);
        seen.set(key, group[0]!);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('never makes two opposites synonyms', () => {
    const lex = lexicon();
    const same = (polarity.pairs as Array<[string, string]>).filter(([a, b]) => {
      const ca = lex.synonyms.get(stemPhrase(a)) ?? stemPhrase(a);
      const cb = lex.synonyms.get(stemPhrase(b)) ?? stemPhrase(b);
      return ca === cb;
    });
    expect(same).toEqual([]);
  });

  it('stems inflections together', () => {
    expect(stemWord('discontinued')).toBe(stemWord('discontinue'));
    expect(stemWord('hiring')).toBe(stemWord('hire'));
    expect(stemWord('prices')).toBe(stemWord('pricing'));
    expect(stemWord('bought')).toBe(stemWord('buy'));
    expect(stemWord('cutting')).toBe(stemWord('cut'));
  });
});
