import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionDef } from '../../../bin/lambda-host/instance';
import { FunctionPool } from '../../../bin/lambda-host/pool';

/**
 * The deployed-artefact host's concurrency for one function, with a real instance process (the host's bootstrap
 * and a three-line handler): what a load test sees as the queue, and what happens to an invocation whose caller
 * (API Gateway's integration time-out) gives up while it is still queued.
 */
const BOOTSTRAP = fileURLToPath(new URL('../../../bin/lambda-host/bootstrap.mjs', import.meta.url));

describe('FunctionPool: the queue beyond maxInstances', () => {
  let dir: string | undefined;
  let pool: FunctionPool | undefined;
  afterEach(async () => {
    await pool?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function makePool() {
    dir = mkdtempSync(join(tmpdir(), 'ceo-pool-test-'));
    const taskRoot = join(dir, 'task');
    // the event says how long the invocation keeps its instance
    const handler = `export const handler = async (e) => {
      if (e.holdMs) await new Promise((r) => setTimeout(r, e.holdMs));
      return { statusCode: 200, body: JSON.stringify({ n: e.n }) };
    };`;
    mkdirSync(taskRoot, { recursive: true });
    writeFileSync(join(taskRoot, 'index.mjs'), handler);
    const def: FunctionDef = {
      key: 'Test/Fn',
      logicalId: 'Fn',
      stackName: 'Test',
      name: 'ceo-agent-test-fn',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:ceo-agent-test-fn',
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      memoryMb: 128,
      timeoutSeconds: 30,
      taskRoot,
      env: { PATH: process.env.PATH ?? '', _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: taskRoot },
    };
    const lines: string[] = [];
    pool = new FunctionPool({
      def,
      nodePath: process.execPath,
      bootstrapPath: BOOTSTRAP,
      workDir: dir,
      maxInstances: 1,
      onLimit: 'queue',
      idleTimeoutMs: 60_000,
      log: (l) => lines.push(l),
    });
    return { pool, lines };
  }

  it('counts instances and waiting invocations, and drops a queued one whose caller gave up', async () => {
    const { pool } = makePool();
    expect(pool.stats()).toEqual({ instances: 0, busy: 0, idle: 0, waiting: 0, abandoned: 0 });

    const first = pool.invoke({ n: 1, holdMs: 2_000 });
    // the one instance is starting for the first invocation: the next two wait
    const gaveUp = new AbortController();
    const second = pool.invoke({ n: 2 }, { signal: gaveUp.signal });
    const third = pool.invoke({ n: 3 });
    expect(pool.stats()).toEqual({ instances: 1, busy: 1, idle: 0, waiting: 2, abandoned: 0 });

    gaveUp.abort();
    expect(await second).toEqual({ kind: 'abandoned' });
    expect(pool.stats()).toMatchObject({ waiting: 1, abandoned: 1 });

    const body = (o: Awaited<typeof first>) =>
      o.kind === 'response' ? JSON.parse(JSON.parse(o.payload.toString()).body).n : o.kind;
    expect(body(await first)).toBe(1);
    // the abandoned invocation never ran: the instance went straight to the third
    expect(body(await third)).toBe(3);
    expect(pool.stats()).toMatchObject({ instances: 1, waiting: 0, abandoned: 1 });
  });

  it('does not drop an invocation that already has its instance when the signal aborts', async () => {
    const { pool } = makePool();
    const gaveUp = new AbortController();
    const running = pool.invoke({ n: 7, holdMs: 300 }, { signal: gaveUp.signal });
    // an instance is already starting for it (not queued): giving up now does not stop it, as in Lambda
    expect(pool.stats()).toMatchObject({ instances: 1, waiting: 0 });
    gaveUp.abort();
    const out = await running;
    expect(out.kind).toBe('response');
    expect(pool.stats().abandoned).toBe(0);
  });
});
