import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    lambdaSynthDir: string;
  }
}

/**
 * vitest globalSetup: a folder for this run's cloud assembly. Nothing is synthesized here (a run without the
 * Lambda tier pays nothing); the first test file that needs it synthesizes under a lock (synth-once.ts) and
 * the others reuse it. Removed when the run ends.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'ceo-lambda-tier-'));
  project.provide('lambdaSynthDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
