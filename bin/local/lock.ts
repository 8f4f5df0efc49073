import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * The lock `npm start` holds on its embedded database: PGlite is single-process, so a second process that
 * opens the same folder (a script) would write to a copy the running server never sees, or corrupt it.
 * The lock file sits next to the folder (`.data/pglite.lock`) and names the process and its URL.
 */
export interface LocalLock {
  pid: number;
  url?: string;
  started_at: string;
}

export const lockPathFor = (pgliteDir: string) => `${pgliteDir.replace(/\/+$/, '')}.lock`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live lock on this folder, if a running process holds it (a stale file from a crash is ignored). */
export function readLock(pgliteDir: string): LocalLock | undefined {
  try {
    const lock = JSON.parse(readFileSync(lockPathFor(pgliteDir), 'utf8')) as LocalLock;
    return lock.pid !== process.pid && alive(lock.pid) ? lock : undefined;
  } catch {
    return undefined;
  }
}

export function writeLock(pgliteDir: string, url?: string): () => void {
  const path = lockPathFor(pgliteDir);
  writeFileSync(path, JSON.stringify({ pid: process.pid, url, started_at: new Date().toISOString() }));
  return () => rmSync(path, { force: true });
}

/** Exits with a clear message when `npm start` holds the embedded database this script would open. */
export function refuseWhileLocked(script: string, pgliteDir: string | undefined, hint: string): void {
  if (!pgliteDir) return;
  const lock = readLock(pgliteDir);
  if (!lock) return;
  console.error(
    `${script}: the local runtime (npm start, pid ${lock.pid}${lock.url ? `, ${lock.url}` : ''}) holds the embedded database at ${pgliteDir}.\n` +
      `  Nothing was written. Stop it first (Ctrl-C), then run this again${hint ? `, or ${hint}` : ''}.`,
  );
  process.exit(3);
}
