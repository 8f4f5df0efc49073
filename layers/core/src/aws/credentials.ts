/**
 * Static credentials for a custom endpoint (the in-process stand-ins accept any) when the environment has
 * none; otherwise undefined, and the SDK's default provider chain applies (Lambda's role in AWS).
 */
export function credentialsForEndpoint(
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { accessKeyId: string; secretAccessKey: string } | undefined {
  if (!endpoint || env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE) return undefined;
  return { accessKeyId: 'local', secretAccessKey: 'local' };
}
