import { describe, expect, it } from 'vitest';
import { compareQuestions, parseFrame } from '#core/question/frame';
import { decideCandidate } from '#core/question/guard';

describe('question frame', () => {
  it.each([
    [
      'the team',
      'Should we offer a 4-day work week to the engineering team?',
      'Should we offer a 4-day work week to the sales team?',
      'group',
    ],
    [
      'the order',
      'Should we launch a mobile app for iOS before Android?',
      'Should we launch a mobile app for Android before iOS?',
      'order',
    ],
    [
      '"after" read as a reversed "before"',
      'Should we hire a CFO before the Series C?',
      'Should we hire a CFO after the Series C?',
      'order',
    ],
    [
      'from/to direction',
      'Should we migrate from Redshift to Snowflake?',
      'Should we migrate from Snowflake to Redshift?',
      'order',
    ],
    [
      'the action',
      'Should we discontinue the legacy Basic plan by March 2027?',
      'Should we keep the legacy Basic plan beyond March 2027?',
      'opposite_action',
    ],
    [
      'expand vs shut down',
      'Should we expand our consulting business into Germany in 2027?',
      'Should we shut down our consulting business in Germany in 2027?',
      'opposite_action',
    ],
    ['a negation', 'Should we raise prices in Q3?', 'Should we not raise prices in Q3?', 'negation'],
    ['another company', 'Should we acquire Acme Analytics?', 'Should we acquire Beta Analytics?', 'name'],
    ['an amount', 'Should we invest $2M in Frankfurt?', 'Should we invest $3M in Frankfurt?', 'entity'],
    [
      'swapped roles',
      'Should we sunset the desktop app and focus on the web app?',
      'Should we sunset the web app and focus on the desktop app?',
      'order',
    ],
  ])('tells questions apart by %s', (_label, a, b, difference) => {
    const c = compareQuestions(a, b);
    expect(c.verdict).toBe('different');
    expect(c.difference).toBe(difference);
  });

  it.each([
    ['Should we expand into Germany in 2027?', 'In 2027, should we expand to Germany?'],
    ['Should we raise prices by 10%?', 'Should prices be increased by 10%?'],
    ['Should we hire a Chief Financial Officer?', 'should we hire a chief financial officer'],
    [
      'Should we acquire Acme for $40M?',
      'Hi, quick question: do you think we should buy Acme for $40,000,000?',
    ],
    ['Should we open three new stores in Texas?', 'Is opening 3 new stores in Texas a good idea?'],
    ['Should we merge the product and design teams?', 'Should we merge the design and product teams?'],
    ['Should we build vs buy our CRM?', 'Should we buy vs build our CRM?'],
  ])('reads "%s" and "%s" as the same question', (a, b) => {
    expect(compareQuestions(a, b)).toMatchObject({ verdict: 'same' });
  });

  it('is unsure (never "same") when only words the lexicons do not know differ', () => {
    const c = compareQuestions('Should we launch a sandbox?', 'Should we launch a playground?');
    expect(c.verdict).toBe('unsure');
    expect(c.differing.sort()).toEqual(['playground', 'sandbox']);
  });

  it('exposes the parsed frame', () => {
    expect(parseFrame('Should we migrate from AWS to Google Cloud in 2026?')).toMatchObject({
      entities: ['year:2026'],
      relations: ['from>aws', 'to>cloud+googl'],
      negated: false,
    });
  });
});

describe('decideCandidate', () => {
  const policy = { threshold: 0.6 };
  it('hits only at or above the threshold', () => {
    const q = 'Should we expand into Germany?';
    expect(decideCandidate(q, 'Should we grow into Germany?', 0.61, policy)).toEqual({ decision: 'hit' });
    expect(decideCandidate(q, 'Should we grow into Germany?', 0.59, policy)).toMatchObject({
      decision: 'miss',
      reason: 'below_threshold',
    });
  });

  it('sends unsure pairs in the band to the verifier, and only those', () => {
    const p = { threshold: 0.6, verifyFloor: 0.5 };
    expect(
      decideCandidate('Should we launch a sandbox?', 'Should we launch a playground?', 0.55, p),
    ).toMatchObject({
      decision: 'verify',
    });
    expect(
      decideCandidate('Should we launch a sandbox?', 'Should we launch a playground?', 0.45, p),
    ).toMatchObject({
      decision: 'miss',
    });
    expect(decideCandidate('Should we raise prices?', 'Should we cut prices?', 0.9, p)).toMatchObject({
      decision: 'miss',
      reason: 'frame_mismatch',
      difference: 'opposite_action',
    });
  });
});
