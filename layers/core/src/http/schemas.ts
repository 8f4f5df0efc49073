import * as z from 'zod';
import { getConfig } from '../config';

/** Request schemas of the core routes (strict: unknown fields are a 400, not silently ignored). */
export const LoginBody = z
  .object({
    email: z.string().trim().min(3).max(254).email(),
    password: z.string().min(1).max(256),
  })
  .strict();

export const AnalyzeBody = z
  .object({
    query: z
      .string()
      .trim()
      .min(3, 'query must be at least 3 characters')
      .refine((q) => q.length <= getConfig().MAX_QUERY_CHARS, {
        message: `query is too long`,
      }),
    thread_id: z.string().uuid().optional(),
  })
  .strict();

export const ListDecisionsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

export const DecisionIdParams = z.object({ id: z.string().uuid('id must be a UUID') });
