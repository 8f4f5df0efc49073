import { describe, expect, it } from 'vitest';
import { stageConfigFromContext } from '../../lib/config';
import { cdkJsonContext, PROD_CONTEXT } from './support/synth';

function nodeWith(context: Record<string, unknown>) {
  return { tryGetContext: (key: string) => context[key] };
}

describe('stage config from cdk.json context', () => {
  const base = cdkJsonContext();

  it('reads the dev and prod stages of cdk.json', () => {
    const dev = stageConfigFromContext(nodeWith(base));
    expect(dev).toMatchObject({ stage: 'dev', cacheProvider: 'elasticache', retainData: false });
    const prod = stageConfigFromContext(nodeWith({ ...base, ...PROD_CONTEXT }));
    expect(prod).toMatchObject({
      stage: 'prod',
      retainData: true,
      logLevel: 'INFO',
      waf: true,
      corsOrigins: ['https://app.example.org'],
      alarmEmail: 'ops@example.org',
    });
  });

  it('refuses a prod synth without the CORS origins and the alarm e-mail, naming the -c options', () => {
    const prod = (base.stages as Record<string, Record<string, unknown>>).prod!;
    // nothing deployment-specific is defaulted in cdk.json
    expect(prod.corsOrigins).toBeUndefined();
    expect(prod.alarmEmail).toBeUndefined();
    expect(() => stageConfigFromContext(nodeWith({ ...base, stage: 'prod' }))).toThrow(
      /Stage "prod" needs -c corsOrigins=.*and -c alarmEmail=/,
    );
    expect(() =>
      stageConfigFromContext(nodeWith({ ...base, ...PROD_CONTEXT, alarmEmail: undefined })),
    ).toThrow(/-c alarmEmail=/);
    expect(() =>
      stageConfigFromContext(nodeWith({ ...base, ...PROD_CONTEXT, corsOrigins: undefined })),
    ).toThrow(/-c corsOrigins=/);
    // a wildcard is not an origin
    expect(() => stageConfigFromContext(nodeWith({ ...base, ...PROD_CONTEXT, corsOrigins: '*' }))).toThrow(
      /corsOrigins must name the allowed origins/,
    );
  });

  it('reads -c corsOrigins as a JSON array or a comma-separated list, and refuses what is not an origin', () => {
    const json = stageConfigFromContext(
      nodeWith({
        ...base,
        ...PROD_CONTEXT,
        corsOrigins: '["https://a.example.org","https://b.example.org"]',
      }),
    );
    expect(json.corsOrigins).toEqual(['https://a.example.org', 'https://b.example.org']);
    const list = stageConfigFromContext(
      nodeWith({
        ...base,
        ...PROD_CONTEXT,
        corsOrigins: 'https://a.example.org, https://b.example.org:8443',
      }),
    );
    expect(list.corsOrigins).toEqual(['https://a.example.org', 'https://b.example.org:8443']);
    expect(() =>
      stageConfigFromContext(
        nodeWith({ ...base, ...PROD_CONTEXT, corsOrigins: 'https://a.example.org/app' }),
      ),
    ).toThrow(/corsOrigins/);
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
    const prod = stageConfigFromContext(nodeWith({ ...base, ...PROD_CONTEXT }));
    expect(prod).toMatchObject({ interfaceEndpoints: true, auroraReaders: 1 });
    expect(prod.auroraMinAcu).toBeGreaterThan(0);
    expect(prod.auroraAutoPauseMinutes).toBeUndefined();
  });
});
