import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearerToken, issueToken, verifyToken } from '#core/auth/jwt';
import { hashPassword, verifyPassword } from '#core/auth/password';

const s = { secret: 'x'.repeat(40), issuer: 'ceo-agent', audience: 'ceo-agent-api', ttlSeconds: 900 };
const who = {
  userId: '6f0b7c1e-3a52-4c1e-9d55-0a3c2b1e4f60',
  orgId: '0e5d2a4b-7c1f-4d3e-8b9a-1c2d3e4f5a6b',
  email: 'a@b.c',
  role: 'member' as const,
};

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

  it('requires UUID sub and org, exp and iat, and a lifetime within the configured TTL', async () => {
    const key = new TextEncoder().encode(s.secret);
    const base = () =>
      new SignJWT({ org: who.orgId, email: who.email, role: who.role })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(s.issuer)
        .setAudience(s.audience);
    const now = Math.floor(Date.now() / 1000);
    const cases = {
      'non-UUID sub': await base()
        .setSubject('u1')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(key),
      'non-UUID org': await new SignJWT({ org: 'o1', email: who.email, role: who.role })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(s.issuer)
        .setAudience(s.audience)
        .setSubject(who.userId)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(key),
      'no exp': await base().setSubject(who.userId).setIssuedAt(now).sign(key),
      'no iat': await base()
        .setSubject(who.userId)
        .setExpirationTime(now + 60)
        .sign(key),
      'lifetime over the TTL': await base()
        .setSubject(who.userId)
        .setIssuedAt(now)
        .setExpirationTime(now + s.ttlSeconds + 60)
        .sign(key),
      'issued in the future': await base()
        .setSubject(who.userId)
        .setIssuedAt(now + 600)
        .setExpirationTime(now + 700)
        .sign(key),
    };
    for (const [name, token] of Object.entries(cases)) {
      const err = await verifyToken(token, s).catch((e: unknown) => e);
      expect(err, name).toMatchObject({ status: 401 });
    }
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
