import { spawnSync } from 'node:child_process';

/** `cdk synth` of the app into `dir` (offline; ~25 s). */
export function synth(dir: string, stage: string): void {
  const r = spawnSync('npx', ['cdk', 'synth', '-q', '--no-notices', '-o', dir, '-c', `stage=${stage}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: 'true' },
  });
  if (r.status !== 0) throw new Error(`cdk synth failed (exit ${r.status})`);
}
