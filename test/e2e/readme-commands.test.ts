/**
 * Every command in the README's ```bash blocks runs as pasted against a fresh local runtime (`npm start` on an
 * empty data folder), in README order, in one bash session (variables carry over, as in a terminal). Two
 * adjustments, both listed here: the runtime listens on a free port instead of 3000 (the README's URL is
 * replaced), and the commands in SKIPPED are not run, each with its reason. A command fails the test when it
 * exits non-zero or prints an API error body. api.http must have every route the README calls.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const README_URL = 'http://127.0.0.1:3000';

/** Commands not run, and why. The first pattern that matches a command decides. */
const SKIPPED: { pattern: RegExp; reason: string }[] = [
  {
    pattern: /^npm ci && npm start\b/,
    reason: 'this test runs `npm start` itself (node_modules is installed; npm ci would reinstall it)',
  },
  {
    pattern: /^npm ci && npm test\b|^npm test\b|^DATABASE_URL=\S+ REDIS_URL=\S+ npm test\b|^npx vitest\b/,
    reason: 'runs the test suite this test belongs to',
  },
  {
    pattern: /npm run start:lambda\b/,
    reason: 'starts the deployed-artefacts host: a second long-running server (covered by test/lambda)',
  },
  { pattern: /fake-anthropic-cli\.ts/, reason: 'starts the Claude stand-in: a long-running server' },
  {
    pattern: /scripts\/create-user\.ts|scripts\/import-metrics\.ts/,
    reason:
      'needs the local runtime stopped (it holds the embedded database); covered by test/integration/scripts/local-scripts.test.ts',
  },
  { pattern: /^printf .*> metrics\.csv$/, reason: 'prepares the file for import-metrics (skipped above)' },
  {
    pattern: /^npm run load\b|^TARGET_URL=|^TARGET=|^LOAD_RUNTIME=|load\/setup-users\.ts/,
    reason: 'the load test installs artillery under load/ and runs for minutes (or needs a deployed stage)',
  },
  {
    pattern: /^npm run (bench|bundle-size|eval|cost)\b/,
    reason:
      'benchmarks, the labelled-set evaluation, bundling and the cost report (a synth) take minutes; their parts are unit-tested',
  },
  {
    pattern: /^npm run (synth|deploy|destroy)\b|^aws |^npx cdk\b/,
    reason: 'needs AWS credentials and an account (synth: covered by test/infra)',
  },
];

interface Command {
  text: string;
  block: number;
  skip?: string;
}

/** The README's bash commands: continuation lines joined, comments and blank lines dropped. */
function readmeCommands(readme: string): Command[] {
  const out: Command[] = [];
  const blocks = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
  blocks.forEach((block, b) => {
    let pending = '';
    for (const line of block.split('\n')) {
      if (!pending && (line.trim() === '' || line.trim().startsWith('#'))) continue;
      if (line.endsWith('\\')) {
        pending += `${line}\n`;
        continue;
      }
      const text = (pending + line).trim();
      pending = '';
      const skip = SKIPPED.find((s) => s.pattern.test(text))?.reason;
      out.push({ text, block: b, ...(skip ? { skip } : {}) });
    }
  });
  return out;
}

describe('README commands, as pasted, against a fresh local runtime', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const commands = readmeCommands(readme);
  const dir = mkdtempSync(join(tmpdir(), 'ceo-readme-'));
  let runtime: ChildProcess | undefined;
  let url = '';
  let exited: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      STAGE: 'local',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: join(dir, 'data'),
    };
    for (const k of [
      'DATABASE_URL',
      'REDIS_URL',
      'PGLITE_DIR',
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_BASE_URL',
      'POWERTOOLS_METRICS_DISABLED',
      'POWERTOOLS_LOG_LEVEL',
      'CACHE_L2',
    ]) {
      delete env[k];
    }
    runtime = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise((r) => runtime!.once('exit', () => r()));
    let log = '';
    url = await new Promise<string>((resolveUrl, reject) => {
      const onData = (c: Buffer) => {
        log += c.toString();
        const m = /listening on (http:\/\/\S+)/.exec(log);
        if (m) resolveUrl(m[1]!);
      };
      runtime!.stdout!.on('data', onData);
      runtime!.stderr!.on('data', (c: Buffer) => {
        log += c.toString();
      });
      runtime!.once('exit', (code) =>
        reject(new Error(`npm start exited (${code}) before listening:\n${log}`)),
      );
    });
  }, 180_000);

  afterAll(async () => {
    if (runtime?.pid && runtime.exitCode === null) {
      process.kill(-runtime.pid, 'SIGINT'); // the process group this test started
      const killer = setTimeout(() => runtime?.pid && process.kill(-runtime.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('lists what it skips, each with a reason, and runs the rest', () => {
    const skipped = commands.filter((c) => c.skip);
    const run = commands.filter((c) => !c.skip);
    expect(run.length).toBeGreaterThan(15);
    for (const c of skipped) expect(c.skip, c.text).toBeTruthy();
    // every command that calls the API is run, not skipped
    expect(skipped.filter((c) => c.text.includes('$URL'))).toEqual([]);
    // no placeholder that a shell would read as a redirect
    for (const c of commands) expect(c.text, c.text).not.toMatch(/<[a-z_]+>/);
  });

  it('every README command runs as pasted (exit 0, no API error in its output)', async () => {
    const run = commands.filter((c) => !c.skip);
    const script = [
      'set -o pipefail',
      ...run.flatMap((c, i) => [
        `printf '\\n@@BEGIN ${i}\\n'`,
        c.text.replaceAll(README_URL, url),
        `printf '\\n@@END ${i} %s\\n' "$?"`,
      ]),
    ].join('\n');
    const file = join(dir, 'readme.sh');
    writeFileSync(file, script);
    const output = await new Promise<string>((res) => {
      execFile(
        'bash',
        [file],
        { cwd: dir, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 },
        (_err, stdout, stderr) => res(`${stdout}\n@@STDERR\n${stderr}`),
      );
    });
    const failures: string[] = [];
    run.forEach((c, i) => {
      const m = new RegExp(`@@BEGIN ${i}\\n([\\s\\S]*?)\\n@@END ${i} (\\d+)`).exec(output);
      if (!m) {
        failures.push(`did not finish: ${c.text}`);
        return;
      }
      const [, out, rc] = m;
      if (rc !== '0') failures.push(`exit ${rc}: ${c.text}\n${out!.slice(0, 400)}`);
      else if (/"error":\s*\{\s*"code"/.test(out!))
        failures.push(`API error: ${c.text}\n${out!.slice(0, 400)}`);
      else if (c.text.includes('/analyze/stream') && !/event: done|"type":"finish"/.test(out!)) {
        failures.push(`stream did not finish: ${c.text}\n${out!.slice(-400)}`);
      }
    });
    expect(failures, output.split('@@STDERR')[1]?.slice(0, 2000)).toEqual([]);
    // what the commands showed: the replayed stream is the same decision, the placeholders were filled
    expect(output).toMatch(/"replayed":true/);
    expect(output).toMatch(/"status":"(QUEUED|RUNNING|SUCCEEDED)"/);
  }, 300_000);

  it('api.http has every route the README calls', () => {
    const http = readFileSync(join(ROOT, 'api.http'), 'utf8');
    const routes = new Set<string>();
    for (const c of commands) {
      for (const m of c.text.matchAll(/\$URL(\/[A-Za-z0-9_/.-]*)/g)) {
        routes.add(m[1]!.replace(/\$[A-Z]+/g, '').replace(/\/+$/, ''));
      }
    }
    expect(routes.size).toBeGreaterThan(8);
    for (const r of routes) {
      const pattern = r.replace(/\/\//g, '/{{[a-zA-Z]+}}/').replace(/[.?]/g, '\\$&');
      expect(http, r).toMatch(new RegExp(`(GET|POST) \\{\\{baseUrl\\}\\}${pattern}`));
    }
  });
});
