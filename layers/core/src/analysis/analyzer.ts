import type { Queryable } from '../db/types';
import type { Analysis, Usage } from './types';

export interface AnalyzerInput {
  query: string;
  orgId: string;
  userId: string;
  db: Queryable;
  signal?: AbortSignal;
}

export interface AnalyzerOutput {
  analysis: Analysis;
  model: string;
  usage: Usage;
}

/** What produces an analysis for a question: the agent (Claude or the offline model). */
export interface Analyzer {
  analyze(input: AnalyzerInput): Promise<AnalyzerOutput>;
}
