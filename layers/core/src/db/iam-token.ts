import { Signer } from '@aws-sdk/rds-signer';

/** Host, port and user an RDS IAM token is signed for: they must match the connection exactly. */
export function signingTarget(databaseUrl: string): { hostname: string; port: number; username: string } {
  const url = new URL(databaseUrl);
  if (!url.username) throw new Error('DATABASE_URL has no user name to sign an IAM token for');
  return {
    hostname: url.hostname,
    port: url.port ? Number(url.port) : 5432,
    username: decodeURIComponent(url.username),
  };
}

/**
 * RDS IAM auth (RDS Proxy, or the cluster itself): a function that signs a fresh token — locally, SigV4
 * presigning, no network call — for the URL's host, port and user. The signer is created on first use and
 * reused; each call signs a new token (they live 15 minutes), as a new pooled connection needs.
 */
export function rdsIamToken(databaseUrl: string, region: string | undefined): () => Promise<string> {
  const target = signingTarget(databaseUrl);
  let signer: Signer | undefined;
  return () => {
    signer ??= new Signer({ ...target, region });
    return signer.getAuthToken();
  };
}
