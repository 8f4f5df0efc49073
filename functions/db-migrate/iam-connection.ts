/**
 * Puts an RDS IAM auth token in a password-less `postgresql://user@host:port/db` URL. The token is a presigned
 * query string (`&`, `=`, `%`, `/`), so it must be percent-encoded as the URL's password.
 */
export function connectionStringWithPassword(databaseUrl: string, password: string): string {
  const url = new URL(databaseUrl);
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL must be a postgresql:// URL, got ${url.protocol}`);
  }
  if (!url.username) throw new Error('DATABASE_URL has no user name to sign a token for');
  url.password = encodeURIComponent(password);
  return url.toString();
}
