/**
 * Top self-time of a V8 .cpuprofile (node --cpu-prof), by function and by stage (which package or core module
 * the code is in). Used for docs/performance.md.
 *   npx tsx load/cpuprofile-top.ts <file.cpuprofile> [top=25] [skipSeconds=0]
 * skipSeconds leaves out the first seconds (start-up, module loading) so the steady state shows; untilSeconds
 * (optional) ends the window there. The third table charges every sample to the nearest frame of the
 * project's own code on its stack (layers/, bin/, functions/, load/, test/support/), so library work shows
 * under the call of ours that caused it; samples with no such frame (socket callbacks, GC) are `(no app frame)`.
 *   npx tsx load/cpuprofile-top.ts <file.cpuprofile> [top=25] [skipSeconds=0] [untilSeconds=∞]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  parent?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg, skipArg, untilArg] = process.argv.slice(2);
if (!file) throw new Error('usage: cpuprofile-top <file.cpuprofile> [top]');
const top = Number(topArg ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
const skipUs = Number(skipArg ?? 0) * 1e6;
const untilUs = untilArg === undefined ? Number.POSITIVE_INFINITY : Number(untilArg) * 1e6;
for (const n of p.nodes) for (const c of n.children ?? []) byId.get(c)!.parent = n.id;
let at = 0;
for (let i = 0; i < p.samples.length; i++) {
  const id = p.samples[i]!;
  at += p.timeDeltas[i] ?? 0;
  if (at < skipUs || at > untilUs) continue;
  self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

/** The stage a frame belongs to. */
function stage(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)' || fn === '(program)') return fn;
  if (!url) return 'native/V8';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const core = /layers\/core\/src\/([^/]+)/.exec(url);
  if (core) return `core/${core[1]}`;
  const local = /(bin\/[^/]+(?:\/[^/]+)?|functions\/[^/]+|test\/support|load)\//.exec(url);
  return local ? local[1]! : url.split('/').slice(-2).join('/');
}

const fns = new Map<string, number>();
const stages = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const { functionName, url, lineNumber } = n.callFrame;
  const name = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/(node_modules|layers|bin|functions)\//, '$1/')}:${lineNumber + 1}` : ''}`;
  fns.set(name, (fns.get(name) ?? 0) + us);
  const st = stage(url, functionName);
  stages.set(st, (stages.get(st) ?? 0) + us);
}
const busy = total - (stages.get('(idle)') ?? 0);
const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
console.log(
  `profile ${file}: ${(total / 1e3).toFixed(0)} ms sampled, ${(busy / 1e3).toFixed(0)} ms busy (excl. idle)`,
);
console.log('\nby stage (self time, % of busy):');
for (const [k, v] of [...stages]
  .filter(([k]) => k !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`  ${pct(v).padStart(6)}  ${k}`);
console.log('\ntop functions (self time, % of busy):');
for (const [k, v] of [...fns]
  .filter(([k]) => !k.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`  ${pct(v).padStart(6)}  ${k}`);

const APP = /(layers\/core\/src|bin\/|functions\/|load\/|test\/support\/)/;
const byApp = new Map<string, number>();
for (const [id, us] of self) {
  const leaf = byId.get(id)!;
  if (leaf.callFrame.functionName === '(idle)') continue;
  let n: Node | undefined = leaf;
  while (n && !(n.callFrame.url && APP.test(n.callFrame.url) && !n.callFrame.url.includes('node_modules')))
    n = n.parent === undefined ? undefined : byId.get(n.parent);
  const key = n
    ? `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(layers|bin|functions|load|test)\//, '$1/')}:${n.callFrame.lineNumber + 1}`
    : '(no app frame)';
  byApp.set(key, (byApp.get(key) ?? 0) + us);
}
console.log('\nby nearest app frame (self time of it and the libraries it called synchronously, % of busy):');
for (const [k, v] of [...byApp].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`  ${pct(v).padStart(6)}  ${k}`);
