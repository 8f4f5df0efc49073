import { describe, expect, it } from 'vitest';
import { connectionFields } from '#core/db/pg';

describe('pg connection fields for IAM auth', () => {
  it('splits an RDS Proxy URL without a password into discrete fields', () => {
    expect(connectionFields('postgresql://ceo_admin@proxy.example.internal:5432/ceo_agent')).toEqual({
      host: 'proxy.example.internal',
      port: 5432,
      user: 'ceo_admin',
      database: 'ceo_agent',
    });
    expect(connectionFields('postgres://a%40b@h/db%2Fx')).toEqual({
      host: 'h',
      port: 5432,
      user: 'a@b',
      database: 'db/x',
    });
  });
});
