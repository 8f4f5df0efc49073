import * as z from 'zod';
import type { AnySkill, ToolDefinition } from './types';

const NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;

export interface SkillRegistry {
  get(name: string): AnySkill | undefined;
  list(): readonly AnySkill[];
  /** Claude `tools` entries, in registration order (stable, so the prompt cache prefix stays stable). */
  toolDefinitions(): ToolDefinition[];
}

/** JSON Schema of a zod input schema, as Claude's `input_schema` wants it (object at the top, no `$schema`). */
export function toInputSchema(schema: z.ZodType): ToolDefinition['input_schema'] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema: _ignored, ...rest } = json;
  if (rest.type !== 'object') throw new Error('A tool input schema must be a zod object');
  return { ...rest, type: 'object' };
}

export function createSkillRegistry(skills: readonly AnySkill[]): SkillRegistry {
  const byName = new Map<string, AnySkill>();
  for (const skill of skills) {
    if (!NAME_RE.test(skill.name)) throw new Error(`Invalid skill name: ${skill.name}`);
    if (byName.has(skill.name)) throw new Error(`Duplicate skill: ${skill.name}`);
    byName.set(skill.name, skill);
  }
  const tools = skills.map(
    (s): ToolDefinition => ({
      name: s.name,
      description: `${s.description} (v${s.version})`,
      input_schema: toInputSchema(s.input),
    }),
  );
  return {
    get: (name) => byName.get(name),
    list: () => skills,
    toolDefinitions: () => tools.map((t) => ({ ...t })),
  };
}
