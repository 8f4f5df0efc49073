import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../layers/core/src/config';

describe('config', () => {
  it('applies defaults for the local stage', () => {
    const c = loadConfig({ STAGE: 'local' });
    expect(c.MAX_BODY_BYTES).toBe(65_536);
    expect(c.AUTO_MIGRATE).toBe(true);
    expect(c.SEED_DEMO).toBe(true);
    expect(c.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('requires a JWT secret (value or Secrets Manager ARN) outside local and test', () => {
    expect(() => loadConfig({ STAGE: 'prod' })).toThrow(/Invalid configuration/);
    const fromArn = loadConfig({
      STAGE: 'prod',
      JWT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:jwt',
    });
    expect(fromArn.jwtSecret).toBe('');
    expect(fromArn.AUTO_MIGRATE).toBe(false);
    expect(fromArn.SEED_DEMO).toBe(false);
    expect(() => loadConfig({ STAGE: 'prod', JWT_SECRET: 'short' })).toThrow(/Invalid configuration/);
  });

  it('rejects values of the wrong type with the variable named', () => {
    try {
      loadConfig({ DB_POOL_MAX: 'many' });
      expect.unreachable();
    } catch (err) {
      expect((err as { details: { path: string }[] }).details[0]?.path).toBe('DB_POOL_MAX');
    }
  });
});
