import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import pg from 'pg';

/**
 * `start:lambda` as a child process, the way a developer or CI runs it (`tsx bin/lambda-host/main.ts`), with
 * its output kept line by line so tests wait on what it prints (the ready line, REPORT lines, init errors).
 */
export interface HostSummary {
  url: string;
  stage: string;
  databaseUrl: string;
  queues: Record<string, string>;
  sqsEndpoint: string;
  dynamodbEndpoint: string;
  workDir: string;
  startMs: number;
  mappings: Array<{
    function: string;
    queue: string;
    batchSize: number;
    reportFailures: boolean;
    concurrency: number;
  }>;
}

export interface HostProcess {
  summary: HostSummary;
  url: string;
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first line (already printed or to come) matching `re` after index `from`. */
  waitForLine(re: RegExp, opts?: { from?: number; timeoutMs?: number }): Promise<string>;
  /** Lines printed so far matching `re`. */
  grep(re: RegExp): string[];
  /** SIGTERM, then wait for the exit; returns the exit code. */
  stop(): Promise<number | null>;
}

export async function startHostProcess(opts: {
  cdkOut: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  readyTimeoutMs?: number;
}): Promise<HostProcess> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/lambda-host/main.ts',
      '--cdk-out',
      opts.cdkOut,
      '--port',
      '0',
      ...(opts.args ?? []),
    ],
    {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const listeners = new Set<(line: string, index: number) => void>();
  const onLine = (line: string) => {
    lines.push(line);
    if (process.env.LAMBDA_HOST_TEST_VERBOSE) console.log(line);
    for (const l of [...listeners]) l(line, lines.length - 1);
  };
  createInterface({ input: proc.stdout! }).on('line', onLine);
  createInterface({ input: proc.stderr! }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));

  const waitForLine = (re: RegExp, o: { from?: number; timeoutMs?: number } = {}) =>
    new Promise<string>((resolve, reject) => {
      const from = o.from ?? 0;
      const hit = lines.slice(from).find((l) => re.test(l));
      if (hit) return resolve(hit);
      const timeoutMs = o.timeoutMs ?? 60_000;
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(
          new Error(
            `no line matching ${re} within ${timeoutMs} ms; last lines:\n${lines.slice(-15).join('\n')}`,
          ),
        );
      }, timeoutMs);
      const listener = (line: string, index: number) => {
        if (index < from || !re.test(line)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(line);
      };
      listeners.add(listener);
      void exited.then((code) => {
        if (!listeners.has(listener)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        reject(
          new Error(
            `host exited (${code}) before printing ${re}; last lines:\n${lines.slice(-25).join('\n')}`,
          ),
        );
      });
    });

  let ready: string;
  try {
    ready = await waitForLine(/^LAMBDA_HOST_READY /, { timeoutMs: opts.readyTimeoutMs ?? 60_000 });
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  const summary = JSON.parse(ready.slice('LAMBDA_HOST_READY '.length)) as HostSummary;
  return {
    summary,
    url: summary.url,
    proc,
    lines,
    waitForLine,
    grep: (re) => lines.filter((l) => re.test(l)),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * A throw-away database on the server named by DATABASE_URL (CI); dropped by the returned function. Without
 * DATABASE_URL (a machine with only Node) the host starts its embedded PostgreSQL instead; CI must use the
 * real server.
 */
export async function throwAwayDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    if (process.env.CI === 'true')
      throw new Error('CI=true but DATABASE_URL is not set: the Lambda tier must run in CI');
    return undefined;
  }
  const name = `ceo_lambda_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** True when no process with this pid is alive (a zombie awaiting its reaper counts as gone). */
export function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
