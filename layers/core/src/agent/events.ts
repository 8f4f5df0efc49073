import type { SkillFigures } from '../skills/types';

/** Progress of one analysis, for the streaming endpoint (server-sent events). */
export type AgentEvent =
  | { type: 'skill_started'; id: string; name: string }
  | {
      type: 'skill_finished';
      id: string;
      name: string;
      ok: boolean;
      duration_ms: number;
      figures: SkillFigures;
      error?: string;
    }
  | { type: 'text'; delta: string };

export type AgentEventListener = (event: AgentEvent) => void;
