import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CORE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../layers/core/src');

/** Every .ts file under `dir`, recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** `import … from '…'`, `export … from '…'` and `import('…')` specifiers (type-only imports included). */
const SPECIFIER_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** The core folder a file belongs to (`cache`, `agent`, …); files at the root are their own unit. */
function folderOf(file: string): string {
  const rel = relative(CORE, file).split(sep);
  return rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.ts$/, '');
}

/** Target file of a relative or `#core/` specifier, or undefined for packages and node built-ins. */
function resolveSpecifier(from: string, spec: string): string | undefined {
  if (spec.startsWith('#core/')) return join(CORE, spec.slice('#core/'.length));
  if (spec.startsWith('.')) return resolve(dirname(from), spec);
  return undefined;
}

/** Folder → the other core folders its files import. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(CORE)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(SPECIFIER_RE)) {
      const target = resolveSpecifier(file, m[1]!);
      if (!target?.startsWith(CORE + sep)) continue;
      const to = folderOf(target.endsWith('.ts') ? target : `${target}.ts`);
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** The strongly connected components with more than one folder (Tarjan), each as a sorted list. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** For a component, the folder pairs that import each other directly (the edges to cut). */
function mutualPairs(graph: Map<string, Set<string>>, component: string[]): string[] {
  const pairs: string[] = [];
  for (const a of component) {
    for (const b of graph.get(a) ?? []) {
      if (component.includes(b)) pairs.push(`${a} → ${b}`);
    }
  }
  return pairs.sort();
}

describe('layers/core/src folder dependencies', () => {
  it('finds the edges it is meant to check (the parser reads real imports)', () => {
    const graph = folderGraph();
    expect(graph.get('analysis')?.has('agent')).toBe(true);
    expect(graph.get('http')?.has('errors')).toBe(true);
  });

  it('detects a cycle when there is one', () => {
    const g = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
  });

  it('has no import cycle between folders', () => {
    const graph = folderGraph();
    const found = cycles(graph).map((c) => `${c.join(' ↔ ')}: ${mutualPairs(graph, c).join(', ')}`);
    expect(found, `folder-level import cycles:\n${found.join('\n')}`).toEqual([]);
  });
});
