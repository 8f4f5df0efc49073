import { describe, expect, it } from 'vitest';
import { installAwsLambdaGlobal, isStreamingHandler } from '../../../bin/local/streaming';

describe('the local awslambda global', () => {
  it('extends an awslambda object another library created, keeping its members', () => {
    const g = globalThis as unknown as { awslambda?: Record<string, unknown> };
    const invokeStore = { marker: true };
    g.awslambda = { InvokeStore: invokeStore };
    installAwsLambdaGlobal();
    expect(g.awslambda.InvokeStore).toBe(invokeStore);
    const streamify = g.awslambda.streamifyResponse as (fn: () => void) => () => void;
    const fn = streamify(() => {});
    expect(isStreamingHandler(fn)).toBe(true);
    expect(isStreamingHandler(() => {})).toBe(false);
    const from = (g.awslambda.HttpResponseStream as { from: (s: object, p: object) => { prelude?: object } })
      .from;
    expect(from({}, { statusCode: 201 }).prelude).toEqual({ statusCode: 201 });
  });
});
