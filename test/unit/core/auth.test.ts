import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearerToken, issueToken, verifyToken } from '../../../layers/core/src/auth/jwt';
import { hashPassword, verifyPassword } from '../../../layers/core/src/auth/password';

const s = { secret: 'x'.repeat(40), issuer: 'ceo-agent', audience: 'ceo-agent-api', ttlSeconds: 900 };
const who = { userId: 'u1', orgId: 'o1', email: 'a@b.c', role: 'member' as const };

describe('passwords', () => {
  it('verifies the right password and rejects a wrong one; hashes are salted', async () => {
    const h = await hashPassword('correct horse');
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('correct horsf', h)).toBe(false);
    expect(await hashPassword('correct horse')).not.toBe(h);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });
});

describe('JWT', () => {
  it('issues a token that verifies to the same caller', async () => {
    const { token, expiresAt } = await issueToken(who, s);
    expect(await verifyToken(token, s)).toEqual(who);
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(890_000);
  });

  it('rejects expired, forged, wrong-audience and alg=none tokens with 401 codes', async () => {
    const expired = await issueToken(who, s, Date.now() - 3_600_000);
    await expect(verifyToken(expired.token, s)).rejects.toMatchObject({ status: 401, code: 'token_expired' });
    const forged = await issueToken(who, { ...s, secret: 'y'.repeat(40) });
    await expect(verifyToken(forged.token, s)).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
    const otherAud = await issueToken(who, { ...s, audience: 'other' });
    await expect(verifyToken(otherAud.token, s)).rejects.toMatchObject({ code: 'invalid_token' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u1"}').toString('base64url')}.`;
    await expect(verifyToken(none, s)).rejects.toMatchObject({ code: 'invalid_token' });
    const noClaims = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(s.issuer)
      .setAudience(s.audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(s.secret));
    await expect(verifyToken(noClaims, s)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('remembers a verified token only until it expires, and only for the same secret', async () => {
    const now = Date.now();
    const { token } = await issueToken(who, s, now);
    expect(await verifyToken(token, s, now)).toEqual(who);
    expect(await verifyToken(token, s, now + 1_000)).toEqual(who); // from the instance's cache
    await expect(verifyToken(token, { ...s, secret: 'z'.repeat(40) }, now)).rejects.toMatchObject({
      code: 'invalid_token',
    });
    expect(await verifyToken(token, s, now)).toEqual(who);
    await expect(verifyToken(token, s, now + 901_000 + 6_000)).rejects.toMatchObject({
      code: 'token_expired',
    });
  });

  it('parses only well-formed bearer headers', () => {
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
    expect(() => bearerToken(undefined)).toThrow(/Missing Authorization/);
    expect(() => bearerToken('Basic abc')).toThrow(/Bearer/);
  });
});
