import { existsSync, mkdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { synth } from '../../../bin/lambda-host/synth';

/**
 * The cloud assembly of this test run, synthesized once: the first caller takes a lock (mkdir is atomic) and
 * runs `cdk synth`; the others wait for its `done` marker (fs.watch, with a bound) instead of synthesizing again.
 */
export async function synthOnce(timeoutMs = 360_000): Promise<string> {
  const root = inject('lambdaSynthDir');
  const out = join(root, 'cdk.out');
  const done = join(root, 'done');
  const failed = join(root, 'failed');
  if (existsSync(done)) return out;
  let owner = false;
  try {
    mkdirSync(join(root, 'lock'));
    owner = true;
  } catch {
    // another test file is synthesizing
  }
  if (owner) {
    try {
      synth(out, 'dev', { quiet: true });
      mkdirSync(done);
    } catch (err) {
      mkdirSync(failed);
      throw err;
    }
    return out;
  }
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (existsSync(done)) finish();
      else if (existsSync(failed)) finish(new Error('cdk synth failed in another test file'));
    };
    const watcher = watch(root, check);
    const timer = setTimeout(() => finish(new Error(`no cloud assembly after ${timeoutMs} ms`)), timeoutMs);
    function finish(err?: Error) {
      watcher.close();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    }
    check();
  });
  return out;
}
