import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What the benches read of autocannon's JSON report. */
export interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p97_5: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}

/**
 * POSTs `body` to `url` for `durationS` seconds over `connections` connections, autocannon in its own process
 * (so its CPU is not the server's), and returns its JSON report.
 */
export function autocannon(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: { connections: number; durationS: number },
): Promise<AutocannonResult> {
  const args = ['-j', '-c', String(opts.connections), '-d', String(opts.durationS), '-m', 'POST', '-b', body];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(`${root}node_modules/.bin/autocannon`, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as AutocannonResult);
      } catch (err) {
        reject(err);
      }
    });
  });
}
