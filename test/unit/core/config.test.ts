import { describe, expect, it } from 'vitest';
import { jwtSettings } from '#core/auth/jwt-settings';
import { DEV_JWT_SECRET, loadConfig } from '#core/config';

describe('config', () => {
  it('applies defaults for the local stage', () => {
    const c = loadConfig({ STAGE: 'local' });
    expect(c.MAX_BODY_BYTES).toBe(65_536);
    expect(c.AUTO_MIGRATE).toBe(true);
    expect(c.SEED_DEMO).toBe(true);
    expect(c.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('loads without a JWT secret outside local (health, worker); signing or verifying then fails closed', async () => {
    const none = loadConfig({ STAGE: 'prod' });
    expect(none.jwtSecret).toBe('');
    await expect(jwtSettings(none)).rejects.toMatchObject({ status: 503, code: 'auth_not_configured' });
    const dev = loadConfig({ STAGE: 'prod', JWT_SECRET: DEV_JWT_SECRET });
    await expect(jwtSettings(dev)).rejects.toMatchObject({ status: 503, code: 'auth_not_configured' });
    const real = loadConfig({ STAGE: 'prod', JWT_SECRET: 'x'.repeat(40) });
    await expect(jwtSettings(real)).resolves.toMatchObject({ secret: 'x'.repeat(40) });
  });

  it('takes the JWT secret as a value or a Secrets Manager ARN', () => {
    const fromArn = loadConfig({
      STAGE: 'prod',
      JWT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:jwt',
    });
    expect(fromArn.jwtSecret).toBe('');
    expect(fromArn.AUTO_MIGRATE).toBe(false);
    expect(fromArn.SEED_DEMO).toBe(false);
    expect(() => loadConfig({ STAGE: 'prod', JWT_SECRET: 'short' })).toThrow(
      /Invalid core configuration: JWT_SECRET: JWT_SECRET must be at least 32 characters/,
    );
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
