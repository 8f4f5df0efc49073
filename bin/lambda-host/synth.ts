import { spawnSync } from 'node:child_process';

/** `cdk synth` of the app into `dir` (offline; ~25 s). Quiet: output only when it fails. */
export function synth(dir: string, stage: string, opts: { quiet?: boolean } = {}): void {
  const r = spawnSync('npx', ['cdk', 'synth', '-q', '--no-notices', '-o', dir, '-c', `stage=${stage}`], {
    stdio: ['ignore', opts.quiet ? 'pipe' : 'inherit', opts.quiet ? 'pipe' : 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: 'true' },
  });
  if (r.status !== 0) {
    const detail = opts.quiet
      ? `\n${String(r.stdout ?? '').slice(-4000)}\n${String(r.stderr ?? '').slice(-4000)}`
      : '';
    throw new Error(`cdk synth failed (exit ${r.status})${detail}`);
  }
}
