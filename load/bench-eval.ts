/**
 * `npm run eval` (also part of `npm run bench`): precision and recall of the semantic answer cache's
 * decision on the labelled question pairs, per class and in total — for the offline embedder and, when
 * `EMBEDDINGS_PROVIDER=bedrock` is configured, for Titan. Compares the old guard (entities only) with the
 * question-frame guard, sweeps the similarity threshold, and bounds what the verifier can add. Then the
 * labelled retrieval set (EVAL_RETRIEVAL=false skips it): recall@10 and nDCG@10 per search method.
 */
import './bench-env';
import { createEmbeddings, loadEmbeddingsConfig } from '../layers/core/src/embeddings';
import { OfflineEmbeddings } from '../layers/core/src/embeddings/offline';
import type { Embeddings } from '../layers/core/src/embeddings/types';
import { evaluate, loadPairs, type Policy, type Summary, withSimilarity } from './eval/question-eval';
import { runRetrievalEval } from './eval/retrieval-eval';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(title: string, s: Summary): void {
  console.log(`\n${title}`);
  console.log('| class | pairs | served from cache | result |');
  console.log('| --- | ---: | ---: | --- |');
  for (const r of s.rows) {
    const same = r.cls.startsWith('same:');
    console.log(
      `| ${r.cls} | ${r.n} | ${r.hits} | ${same ? `recall ${pct(r.rate)}` : `${r.hits} wrong answer${r.hits === 1 ? '' : 's'}`} |`,
    );
  }
  const missN = s.rows.filter((r) => r.cls.startsWith('miss:')).reduce((a, r) => a + r.n, 0);
  console.log(
    `| **total** | ${s.sameN} same + ${missN} near-miss | ${s.truePositives + s.falsePositives} | precision ${pct(s.precision)}, recall ${pct(s.recall)}, wrong ${s.falsePositives} |`,
  );
}

function line(label: string, s: Summary): string {
  return `| ${label} | ${pct(s.precision)} | ${pct(s.recall)} | ${s.falsePositives} | ${s.verifications} |`;
}

async function run(embeddings: Embeddings): Promise<void> {
  const pairs = await withSimilarity(embeddings, loadPairs());
  const base = embeddings.paraphraseThreshold;
  console.log(`\n## ${embeddings.id} — ${pairs.length} labelled pairs (default threshold ${base})`);
  const frame: Policy = { guard: 'frame', threshold: base };
  table(
    `Question-frame guard (the cache's decision), threshold ${base}, no verifier`,
    evaluate(pairs, frame),
  );
  table(
    `Old guard (entities only), threshold ${base}`,
    evaluate(pairs, { guard: 'entities', threshold: base }),
  );

  console.log('\nThreshold sweep (precision, recall, wrong answers, verifier calls):');
  console.log('| policy | precision | recall | wrong | verifier calls |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const t of [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]) {
    console.log(line(`frame guard, threshold ${t}`, evaluate(pairs, { guard: 'frame', threshold: t })));
  }
  for (const t of [0.6, 0.7, 0.8, 0.85, 0.9, 0.95]) {
    console.log(line(`entities only, threshold ${t}`, evaluate(pairs, { guard: 'entities', threshold: t })));
  }

  console.log('\nVerifier for unsure frames (only unknown words differ), band [floor, 1]:');
  console.log('| policy | precision | recall | wrong | verifier calls |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const floor of [base, Math.max(0, base - 0.2)]) {
    const p = { guard: 'frame' as const, threshold: base, verifyFloor: floor };
    console.log(line(`floor ${floor.toFixed(2)}, no verifier`, evaluate(pairs, { ...p, verifier: 'none' })));
    console.log(
      line(`floor ${floor.toFixed(2)}, perfect verifier`, evaluate(pairs, { ...p, verifier: 'oracle' })),
    );
    console.log(
      line(
        `floor ${floor.toFixed(2)}, verifier always "same"`,
        evaluate(pairs, { ...p, verifier: 'always_same' }),
      ),
    );
  }

  // vCache-style per-entry thresholds, at their best: for each cached question the lowest threshold that
  // keeps it free of wrong answers, chosen with the labels (an upper bound for any learned per-entry rule).
  const byEntry = new Map<string, typeof pairs>();
  for (const p of pairs) byEntry.set(p.cached, [...(byEntry.get(p.cached) ?? []), p]);
  let tp = 0;
  let fp = 0;
  let sameN = 0;
  for (const group of byEntry.values()) {
    let best = { tp: 0, fp: 0 };
    for (const t of [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01]) {
      const s = evaluate(group, { guard: 'frame', threshold: t });
      if (s.falsePositives === 0 && s.truePositives >= best.tp) best = { tp: s.truePositives, fp: 0 };
    }
    tp += best.tp;
    fp += best.fp;
    sameN += group.filter((p) => p.same).length;
  }
  console.log(
    `\nPer-entry thresholds chosen with hindsight (upper bound for vCache-style learning): precision ${pct(tp + fp === 0 ? 1 : tp / (tp + fp))}, recall ${pct(tp / sameN)}`,
  );
}

const embedders: Embeddings[] = [new OfflineEmbeddings()];
const configured = loadEmbeddingsConfig();
if (configured.provider === 'bedrock') embedders.push(createEmbeddings(configured));
else console.log('(Titan: set EMBEDDINGS_PROVIDER=bedrock with AWS credentials to evaluate it too)');
for (const e of embedders) await run(e);

if (process.env.EVAL_RETRIEVAL !== 'false') {
  const r = await runRetrievalEval();
  console.log(
    `\n## Decision search — ${r.queries} labelled queries over ${r.decisions} decisions (PGlite + pgvector, offline embedder, k=10)`,
  );
  const kinds = Object.keys(r.rows[0]?.byKind ?? {});
  console.log(`| method | recall@10 | nDCG@10 | ${kinds.map((k) => `recall@10 ${k}`).join(' | ')} |`);
  console.log(`| --- | ---: | ---: | ${kinds.map(() => '---:').join(' | ')} |`);
  for (const row of r.rows) {
    console.log(
      `| ${row.method} | ${row.recall10.toFixed(3)} | ${row.ndcg10.toFixed(3)} | ${kinds.map((k) => row.byKind[k]!.recall10.toFixed(2)).join(' | ')} |`,
    );
  }
}
