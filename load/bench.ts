/**
 * `npm run bench`: runs every benchmark in load/ (bench-*.ts) one after another, each in its own process so
 * module-scoped state never leaks between them, and prints their figures. `npm run bench -- api cache` runs
 * only those. Benchmarks assert nothing; they print.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => /^bench-[a-z0-9-]+\.ts$/.test(f) && f !== 'bench-env.ts')
  .filter((f) => wanted.length === 0 || wanted.includes(f.slice(6, -3)))
  .sort();
let failed = 0;
for (const f of benches) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${f}`], {
    stdio: 'inherit',
    env: process.env,
  });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
