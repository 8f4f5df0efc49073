import type { z } from 'zod';
import type { Queryable } from '../db/types';

/** What every skill run gets from the caller. `orgId`/`userId` come from the authenticated request, never from model input. */
export interface SkillContext {
  orgId: string;
  userId: string;
  db: Queryable;
  /** Aborted when the skill times out or the request is cancelled. */
  signal: AbortSignal;
  now: Date;
}

export type SkillFigures = Record<string, number | string | boolean | null>;

/** A typed, versioned capability the agent can call as a Claude tool. */
export interface Skill<I = unknown, O = unknown> {
  /** Tool name: `^[a-z_]{1,64}$` */
  name: string;
  /** Bumped when inputs or outputs change meaning (part of skill-result cache keys). */
  version: string;
  /** Tool description shown to the model. */
  description: string;
  input: z.ZodType<I>;
  /**
   * `pure`: the output depends on the input alone (cacheable by input). `org_data`: it reads the caller's
   * org data (company metrics, earlier decisions), so a cache key must include the org and its data version.
   */
  dependsOn: 'pure' | 'org_data';
  run(input: I, ctx: SkillContext): Promise<O>;
  /** The few key numbers shown to the user in `Analysis.skills[].figures`. */
  figures(output: O): SkillFigures;
}

/** One tool_use the model (or the offline planner) asked for. */
export interface SkillCall {
  /** tool_use id; echoed back in the tool_result */
  id: string;
  name: string;
  input: unknown;
}

export interface SkillResult {
  id: string;
  name: string;
  version: string;
  ok: boolean;
  /** Output of the skill when ok */
  output?: unknown;
  /** Why it failed (bad input, thrown error, timeout, unknown skill) */
  error?: string;
  figures: SkillFigures;
  durationMs: number;
  startedAt: number;
  finishedAt: number;
}

export type { ToolDefinition } from '../llm/types';

/** A skill of any input/output type (method parameters are bivariant, so every `Skill<I, O>` fits). */
export type AnySkill = Skill<unknown, unknown>;

/** Identity helper that keeps the input/output types of a skill definition. */
export function defineSkill<I, O>(skill: Skill<I, O>): Skill<I, O> {
  return skill;
}
