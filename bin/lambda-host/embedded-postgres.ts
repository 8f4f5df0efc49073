export async function startEmbeddedPostgres(_opts: {
  workDir: string;
  log: (line: string) => void;
}): Promise<{ url: string; describe: string; stop(): Promise<void> }> {
  throw new Error('DATABASE_URL is not set (embedded PostgreSQL not available yet)');
}
