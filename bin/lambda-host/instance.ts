import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * One function instance: a Node process started from the function's task root (a copy of its asset) with
 * the bootstrap as its runtime, and this instance's own Lambda Runtime API server. One invocation at a time.
 */
export interface FunctionDef {
  /** `<stack>/<logicalId>` */
  key: string;
  logicalId: string;
  stackName: string;
  name: string;
  arn: string;
  handler: string;
  runtime: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** The copy of the asset every instance of this function runs from (LAMBDA_TASK_ROOT). */
  taskRoot: string;
  /** The complete environment of an instance (template env resolved + Lambda's own variables). */
  env: Record<string, string>;
}

export type InvokeOutcome =
  | { kind: 'response'; payload: Buffer }
  | { kind: 'streamed'; errorType?: string; errorMessage?: string }
  | { kind: 'error'; errorType: string; errorMessage: string; phase: 'init' | 'invoke' }
  | { kind: 'timeout'; phase: 'init' | 'invoke' };

export interface StreamStart {
  contentType: string;
  body: IncomingMessage;
}

export interface Invocation {
  requestId: string;
  payload: string;
  traceId?: string;
  /** Called when a streaming handler opens its response (before any byte is forwarded). */
  onStream?: (s: StreamStart) => void;
}

export interface InstanceOptions {
  def: FunctionDef;
  nodePath: string;
  bootstrapPath: string;
  /** Folder for this instance's /tmp (removed when the instance ends). */
  tmpDir: string;
  log: (line: string) => void;
  onExit: (instance: Instance) => void;
  /** The runtime asks for its next event after an invocation: the instance can take another. */
  onIdle: (instance: Instance) => void;
}

const PREFIX = '/2018-06-01/runtime';

/** Node flags the managed runtime derives from MemorySize (its bootstrap script sizes the V8 heap this way). */
export function memoryArgs(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 64);
  const semiSpace = Math.floor(newSpace / 2);
  const oldSpace = memoryMb - newSpace;
  return [`--max-semi-space-size=${semiSpace}`, `--max-old-space-size=${oldSpace}`];
}

interface Active {
  inv: Invocation;
  resolve: (o: InvokeOutcome) => void;
  timer: NodeJS.Timeout;
  started: number;
}

export class Instance {
  readonly id = randomUUID().replace(/-/g, '').slice(0, 12);
  readonly def: FunctionDef;
  state: 'init' | 'idle' | 'busy' | 'dead' = 'init';
  initDurationMs?: number;
  /** The first invocation after init reports the Init Duration. */
  reportedInit = false;
  lastUsed = Date.now();
  invocations = 0;
  private proc?: ChildProcess;
  private server?: Server;
  private nextRes?: ServerResponse;
  private active?: Active;
  private ready?: { resolve: () => void; reject: (o: InvokeOutcome) => void };
  private initError?: { errorType: string; errorMessage: string };
  private readonly opts: InstanceOptions;
  private spawnedAt = 0;
  private lastMaxMemoryMb?: number;
  private exitedPromise?: Promise<void>;

  constructor(opts: InstanceOptions) {
    this.opts = opts;
    this.def = opts.def;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the process; resolves when the runtime asks for its first event, rejects with the init outcome. */
  start(initTimeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.ready = { resolve, reject };
      this.server = createServer((req, res) => this.handle(req, res));
      this.server.keepAliveTimeout = 0;
      this.server.listen(0, '127.0.0.1', () => {
        const port = (this.server!.address() as AddressInfo).port;
        mkdirSync(this.opts.tmpDir, { recursive: true });
        const env = {
          ...this.def.env,
          AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
          AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${this.id}`,
          TMPDIR: this.opts.tmpDir,
        };
        this.spawnedAt = performance.now();
        const proc = spawn(
          this.opts.nodePath,
          [...memoryArgs(this.def.memoryMb), '--expose-gc', this.opts.bootstrapPath],
          { cwd: this.def.taskRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        this.proc = proc;
        this.exitedPromise = new Promise<void>((r) => proc.once('exit', () => r()));
        const prefix = `[${this.def.name}]`;
        this.opts.log(
          `${prefix} INIT_START Runtime Version: nodejs:${process.versions.node} (template: ${this.def.runtime}) Instance: ${this.id} Pid: ${proc.pid}`,
        );
        for (const s of [proc.stdout!, proc.stderr!]) {
          createInterface({ input: s }).on('line', (line) => this.opts.log(`${prefix} ${line}`));
        }
        proc.on('error', (err) => this.fail(`Runtime.ExitError`, `spawn failed: ${err.message}`));
        proc.on('exit', (code, signal) => {
          const how = signal ? `signal ${signal}` : `exit status ${code}`;
          this.fail('Runtime.ExitError', `Runtime exited with error: ${how}`);
        });
        const timer = setTimeout(() => {
          if (this.state !== 'init') return;
          this.opts.log(`${prefix} INIT timed out after ${initTimeoutMs} ms`);
          this.settleInit({ kind: 'timeout', phase: 'init' });
          this.kill();
        }, initTimeoutMs);
        timer.unref();
      });
    });
  }

  /** Runs one invocation; the instance must be idle (its runtime waiting on /invocation/next). */
  invoke(inv: Invocation): Promise<InvokeOutcome> {
    if (this.state !== 'idle' || !this.nextRes) throw new Error(`instance ${this.id} is not idle`);
    this.state = 'busy';
    this.invocations++;
    const timeoutMs = this.def.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    return new Promise<InvokeOutcome>((resolve) => {
      const timer = setTimeout(() => {
        const a = this.active;
        if (!a || a.inv !== inv) return;
        this.active = undefined;
        this.kill();
        resolve({ kind: 'timeout', phase: 'invoke' });
      }, timeoutMs);
      this.active = { inv, resolve, timer, started: performance.now() };
      const res = this.nextRes!;
      this.nextRes = undefined;
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': inv.requestId,
        'Lambda-Runtime-Deadline-Ms': String(deadline),
        'Lambda-Runtime-Invoked-Function-Arn': this.def.arn,
        'Lambda-Runtime-Trace-Id':
          inv.traceId ??
          `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Sampled=0`,
      });
      res.end(inv.payload);
    });
  }

  /** Peak resident memory of the process in MB (Linux /proc; undefined elsewhere). */
  maxMemoryUsedMb(): number | undefined {
    if (this.state === 'dead') return this.lastMaxMemoryMb;
    if (!this.proc?.pid) return undefined;
    try {
      const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      if (m) this.lastMaxMemoryMb = Math.ceil(Number(m[1]) / 1024);
      return this.lastMaxMemoryMb;
    } catch {
      return undefined;
    }
  }

  /** Resolves when the process has exited (and been reaped). */
  exited(): Promise<void> {
    return this.exitedPromise ?? Promise.resolve();
  }

  /** Ends the instance: its whole process group, its Runtime API server and its /tmp. */
  kill(): void {
    const pid = this.proc?.pid;
    if (this.state !== 'dead') this.maxMemoryUsedMb();
    if (pid && this.proc?.exitCode === null && this.proc.signalCode === null) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.markDead();
  }

  private markDead(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.nextRes?.destroy();
    this.nextRes = undefined;
    this.server?.closeAllConnections();
    this.server?.close();
    rmSync(this.opts.tmpDir, { recursive: true, force: true });
    this.opts.onExit(this);
  }

  private fail(errorType: string, errorMessage: string): void {
    if (this.state === 'init') {
      this.settleInit(
        this.initError
          ? { kind: 'error', phase: 'init', ...this.initError }
          : { kind: 'error', phase: 'init', errorType, errorMessage },
      );
    }
    const a = this.active;
    if (a) {
      this.active = undefined;
      clearTimeout(a.timer);
      a.resolve({
        kind: 'error',
        phase: 'invoke',
        errorType,
        errorMessage: `RequestId: ${a.inv.requestId} Error: ${errorMessage}`,
      });
    }
    this.kill();
  }

  private settleInit(outcome?: InvokeOutcome): void {
    const ready = this.ready;
    this.ready = undefined;
    if (!ready) return;
    if (outcome) ready.reject(outcome);
    else ready.resolve();
  }

  private finish(outcome: InvokeOutcome, requestId: string): void {
    const a = this.active;
    if (!a || a.inv.requestId !== requestId) return;
    this.active = undefined;
    clearTimeout(a.timer);
    a.resolve(outcome);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    const send = (status: number, body: unknown = { status: 'OK' }) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const readAll = (cb: (body: Buffer) => void) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => cb(Buffer.concat(chunks)));
    };
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      if (this.state === 'dead') {
        res.destroy();
        return;
      }
      this.nextRes = res;
      if (this.state === 'init') {
        this.initDurationMs = performance.now() - this.spawnedAt;
        this.state = 'idle';
        this.settleInit();
      } else if (this.state === 'busy' && !this.active) {
        this.state = 'idle';
        this.lastUsed = Date.now();
        this.opts.onIdle(this);
      }
      return;
    }
    if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
      readAll((body) => {
        this.initError = parseError(body, req.headers);
        send(202);
      });
      return;
    }
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && m) {
      const requestId = decodeURIComponent(m[1]!);
      if (!this.active || this.active.inv.requestId !== requestId) {
        send(400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
        return;
      }
      if (m[2] === 'error') {
        readAll((body) => {
          send(202);
          this.finish({ kind: 'error', phase: 'invoke', ...parseError(body, req.headers) }, requestId);
        });
        return;
      }
      if (String(req.headers['lambda-runtime-function-response-mode'] ?? '').toLowerCase() === 'streaming') {
        const inv = this.active.inv;
        inv.onStream?.({
          contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
          body: req,
        });
        if (!inv.onStream) req.resume();
        req.on('end', () => {
          send(202);
          const type = req.trailers['lambda-runtime-function-error-type'];
          const errBody = req.trailers['lambda-runtime-function-error-body'];
          let message: string | undefined;
          if (errBody) {
            try {
              message = (
                JSON.parse(Buffer.from(errBody, 'base64').toString('utf8')) as { errorMessage?: string }
              ).errorMessage;
            } catch {
              message = errBody;
            }
          }
          this.finish({ kind: 'streamed', errorType: type, errorMessage: message }, requestId);
        });
        return;
      }
      readAll((body) => {
        send(202);
        this.finish({ kind: 'response', payload: body }, requestId);
      });
      return;
    }
    send(404, { errorMessage: `Unknown Runtime API path ${req.method} ${url}`, errorType: 'NotFound' });
  }
}

function parseError(
  body: Buffer,
  headers: IncomingMessage['headers'],
): { errorType: string; errorMessage: string } {
  try {
    const e = JSON.parse(body.toString('utf8')) as { errorType?: string; errorMessage?: string };
    return {
      errorType: e.errorType ?? String(headers['lambda-runtime-function-error-type'] ?? 'Unknown'),
      errorMessage: e.errorMessage ?? '',
    };
  } catch {
    return {
      errorType: String(headers['lambda-runtime-function-error-type'] ?? 'Unknown'),
      errorMessage: body.toString('utf8'),
    };
  }
}

export function instanceTmp(root: string, def: FunctionDef, id: string): string {
  return join(root, 'tmp', `${def.logicalId}-${id}`);
}
