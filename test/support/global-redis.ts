import { Redis } from 'ioredis';
import { type RespServer, startRespServer } from './resp-server';

/**
 * vitest globalSetup: makes sure the tests have a Redis. It uses `TEST_REDIS_URL`, else `REDIS_URL`, else
 * redis://127.0.0.1:6379 when that answers PING; otherwise
 * - in CI (`CI=true`) it fails the run at once: `.ci/run` guarantees a real Redis, a missing one is a bug;
 * - elsewhere (a fresh machine with only Node) it starts the in-process RESP stand-in (test/support/resp-server.ts)
 *   on an ephemeral port and says so on stderr.
 * Either way `REDIS_URL` and `TEST_REDIS_URL` are set to the Redis in use; the test workers (forks) are started
 * after this runs and inherit them. `TEST_REDIS_EMBEDDED=1` tells tests that need a feature the stand-in lacks
 * (Lua scripts) that they run against the stand-in.
 */
const PING_TIMEOUT_MS = 1_000;

async function ping(url: string): Promise<string | null> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PING_TIMEOUT_MS,
    commandTimeout: PING_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let cause: string | undefined; // the socket error (ECONNREFUSED …) says more than "Connection is closed."
  client.on('error', (err: Error) => {
    cause ??= err.message;
  });
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (err) {
    return cause ?? ((err as Error).message || String(err));
  } finally {
    client.disconnect();
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const url = process.env.TEST_REDIS_URL || process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const failure = await ping(url);
  let standIn: RespServer | undefined;
  if (failure === null) {
    process.env.REDIS_URL = url;
    process.env.TEST_REDIS_URL = url;
  } else if (process.env.CI === 'true') {
    throw new Error(
      `Redis not reachable at ${url} (${failure}). CI must run the tests against a real Redis ` +
        '(.ci/run starts one on 127.0.0.1:6379); the embedded stand-in is for local runs only.',
    );
  } else {
    standIn = await startRespServer();
    process.env.REDIS_URL = standIn.url;
    process.env.TEST_REDIS_URL = standIn.url;
    process.env.TEST_REDIS_EMBEDDED = '1';
    process.stderr.write(
      `Redis not reachable at ${url} (${failure}): tests use the embedded RESP stand-in at ${standIn.url}\n`,
    );
  }
  return async () => {
    await standIn?.close();
  };
}
