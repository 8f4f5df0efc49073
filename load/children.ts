import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** Starts `n` bench-child processes with `args`, releases them together, returns their JSON answers. */
export async function runChildren<T>(n: number, args: (i: number) => string[]): Promise<T[]> {
  const children: ChildProcess[] = [];
  const ready: Array<Promise<void>> = [];
  const results: Array<Promise<T>> = [];
  for (let i = 0; i < n; i++) {
    const c = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args(i)], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: process.env,
    });
    children.push(c);
    const lines = createInterface({ input: c.stdout! });
    let onReady!: () => void;
    ready.push(
      new Promise<void>((r) => {
        onReady = r;
      }),
    );
    results.push(
      new Promise<T>((resolve, reject) => {
        lines.on('line', (line) => {
          if (line === 'ready') onReady();
          else if (line.startsWith('{')) resolve(JSON.parse(line) as T);
        });
        c.once('exit', (code) => reject(new Error(`bench child exited with ${code}`)));
      }),
    );
  }
  await Promise.all(ready);
  for (const c of children) c.stdin!.write('go\n');
  return Promise.all(results);
}
