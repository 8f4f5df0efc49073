/**
 * `npm run bench`: runs every benchmark in load/ (bench-*.ts) one after another, each in its own process so
 * module-scoped state never leaks between them, and prints their figures. `npm run bench -- api cache` runs
 * only those. Benchmarks assert nothing; they print.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchOutput, writeBenchReport } from './report-html';

/** Runs one benchmark, printing its output as it comes and keeping a copy for the HTML report. */
function runTee(file: string): Promise<BenchOutput> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      stdio: ['inherit', 'pipe', 'inherit'],
      env: process.env,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      process.stdout.write(c);
    });
    child.on('close', (status) =>
      resolve({ name: file.split('/').pop()!, output, status, ms: performance.now() - t0 }),
    );
  });
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => /^bench-[a-z0-9-]+\.ts$/.test(f) && f !== 'bench-env.ts')
  .filter((f) => wanted.length === 0 || wanted.includes(f.slice(6, -3)))
  .sort();
let failed = 0;
const outputs: BenchOutput[] = [];
for (const f of benches) {
  console.log(`\n=== ${f} ===`);
  const r = await runTee(`${dir}${f}`);
  outputs.push(r);
  if (r.status !== 0) failed++;
}
if (outputs.length > 0) console.log(`\nHTML report (charts): ${writeBenchReport(outputs)}`);
process.exit(failed > 0 ? 1 : 0);
