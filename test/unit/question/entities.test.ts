import { describe, expect, it } from 'vitest';
import { extractEntities, sameEntities } from '#core/question/entities';

describe('entity extraction for the semantic cache', () => {
  it.each([
    ['Should we expand to Germany next year?', ['place:germany']],
    ['should we expand to germany', ['place:germany']],
    ['Should we raise a $2M seed round?', ['amount:usd:2000000']],
    ['Raise 2 million dollars in Q3 2026?', ['amount:usd:2000000', 'period:q3', 'year:2026']],
    ['Acme should cut prices by 15% in FY26', ['name:acme', 'pct:15', 'year:2026']],
    ['Should Globex enter the US market by March?', ['month:march', 'name:globex', 'place:united states']],
    ['May we open offices in South Africa and the UK?', ['place:south africa', 'place:united kingdom']],
    ['Is €1,250,000 enough for 3 years of runway?', ['amount:eur:1250000', 'num:3']],
    ['Should we launch the Atlas product line?', ['name:atlas']],
  ])('%s → %j', (q, expected) => {
    expect(extractEntities(q)).toEqual(expected);
  });

  it('treats equivalent spellings of one entity alike', () => {
    expect(extractEntities('Expand into the U.S.?')).toEqual(
      extractEntities('Should we expand to the United States'),
    );
    expect(extractEntities('raise $2M')).toEqual(extractEntities('raise $2,000,000'));
    expect(extractEntities('Grow 10% in 2026')).toEqual(extractEntities('grow 10 percent in 2026'));
  });

  it('tells apart questions that differ in a number, place or product', () => {
    const pairs = [
      ['Should we expand to Germany?', 'Should we expand to Japan?'],
      ['Should we raise $2M?', 'Should we raise $3M?'],
      ['Cut prices by 10%?', 'Cut prices by 15%?'],
      ['Launch Atlas in 2026?', 'Launch Nova in 2026?'],
      ['Hire in Q3?', 'Hire in Q4?'],
    ];
    for (const [a, b] of pairs) expect(sameEntities(extractEntities(a!), extractEntities(b!))).toBe(false);
  });

  it('does not take capitalised question words or sentence-initial verbs for names', () => {
    expect(extractEntities('Should we hire? What would it cost? Is it worth it?')).toEqual([]);
    expect(extractEntities('Expand into new markets. Launch a new product?')).toEqual([]);
    expect(extractEntities('should we use sea freight')).toEqual([]); // lowercase "sea" is not Southeast Asia
  });
});
