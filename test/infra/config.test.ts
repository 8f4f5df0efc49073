import { describe, expect, it } from 'vitest';
import { stageConfigFromContext } from '../../lib/config';
import { cdkJsonContext } from './support/synth';

function nodeWith(context: Record<string, unknown>) {
  return { tryGetContext: (key: string) => context[key] };
}

describe('stage config from cdk.json context', () => {
  const base = cdkJsonContext();

  it('reads the dev and prod stages of cdk.json', () => {
    const dev = stageConfigFromContext(nodeWith(base));
    expect(dev).toMatchObject({ stage: 'dev', cacheProvider: 'elasticache', retainData: false });
    const prod = stageConfigFromContext(nodeWith({ ...base, stage: 'prod' }));
    expect(prod).toMatchObject({ stage: 'prod', retainData: true, logLevel: 'INFO' });
  });

  it('lets -c overrides (strings on the command line) replace single settings', () => {
    const c = stageConfigFromContext(
      nodeWith({ ...base, cacheProvider: 'upstash', workerMaxConcurrency: '7', retainData: 'true' }),
    );
    expect(c).toMatchObject({ cacheProvider: 'upstash', workerMaxConcurrency: 7, retainData: true });
  });

  it('refuses an unknown stage, naming the known ones', () => {
    expect(() => stageConfigFromContext(nodeWith({ ...base, stage: 'qa' }))).toThrow(
      /Unknown stage "qa".*dev, prod/,
    );
  });

  it('refuses invalid settings with the offending key', () => {
    expect(() => stageConfigFromContext(nodeWith({ ...base, cacheProvider: 'memcached' }))).toThrow(
      /cacheProvider/,
    );
    expect(() => stageConfigFromContext(nodeWith({ ...base, alarmEmail: 'not-an-email' }))).toThrow(
      /alarmEmail/,
    );
    expect(() => stageConfigFromContext(nodeWith({ ...base, auroraMinAcu: 8, auroraMaxAcu: 4 }))).toThrow(
      /auroraMinAcu exceeds auroraMaxAcu/,
    );
    expect(() =>
      stageConfigFromContext(nodeWith({ ...base, auroraMinAcu: 0.5, auroraAutoPauseMinutes: 10 })),
    ).toThrow(/auroraAutoPauseMinutes needs auroraMinAcu 0/);
  });

  it('keeps dev cheap at idle without changing the production shape', () => {
    const dev = stageConfigFromContext(nodeWith(base));
    expect(dev).toMatchObject({ auroraMinAcu: 0, auroraAutoPauseMinutes: 10, interfaceEndpoints: false });
    const prod = stageConfigFromContext(nodeWith({ ...base, stage: 'prod' }));
    expect(prod).toMatchObject({ interfaceEndpoints: true, auroraReaders: 1 });
    expect(prod.auroraMinAcu).toBeGreaterThan(0);
    expect(prod.auroraAutoPauseMinutes).toBeUndefined();
  });
});
