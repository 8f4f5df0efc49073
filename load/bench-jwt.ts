/**
 * JWT verification cost (issue #12, item 4): jose `jwtVerify` of HS256 (the shared secret, as now) vs ES256
 * (P-256 keys: sign with the private key in the login function, verify with the public key elsewhere), and
 * the sign cost of each. Sequential calls on one core after a warm-up; prints µs per call.
 */
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
import { summary } from './stats';

const N = Number(process.env.BENCH_JWT_N ?? 5_000);
const claims = {
  org: '0e5d2a4b-7c1f-4d3e-8b9a-1c2d3e4f5a6b',
  email: 'ceo@example.com',
  role: 'member',
};

async function measure(label: string, fn: () => Promise<unknown>) {
  for (let i = 0; i < 500; i++) await fn();
  const us: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await fn();
    us.push((performance.now() - t) * 1000);
  }
  const s = summary(us);
  console.log(`${label.padEnd(14)} p50 ${s.p50} µs  p95 ${s.p95} µs  p99 ${s.p99} µs  (n=${s.n})`);
  return s;
}

const sign = (alg: string, key: Parameters<SignJWT['sign']>[0]) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg })
    .setSubject('6f0b7c1e-3a52-4c1e-9d55-0a3c2b1e4f60')
    .setIssuer('ceo-agent')
    .setAudience('ceo-agent-api')
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(key);
const opts = (alg: string) => ({ issuer: 'ceo-agent', audience: 'ceo-agent-api', algorithms: [alg] });

const secret = new TextEncoder().encode('x'.repeat(48));
const hs = await sign('HS256', secret);
const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
// as a verifying function would load it: a public JWK from configuration
const pub = await importJWK(await exportJWK(publicKey), 'ES256');
const es = await sign('ES256', privateKey);

console.log(`node ${process.version}, jose, ${N} sequential calls each`);
await measure('HS256 sign', () => sign('HS256', secret));
await measure('ES256 sign', () => sign('ES256', privateKey));
await measure('HS256 verify', () => jwtVerify(hs, secret, opts('HS256')));
await measure('ES256 verify', () => jwtVerify(es, pub, opts('ES256')));
