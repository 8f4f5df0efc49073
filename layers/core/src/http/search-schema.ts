import * as z from 'zod';

/**
 * `GET /api/v1/decisions/search` query string (strict: an unknown parameter is a 400). `q` is trimmed before
 * its length is checked, so whitespace cannot pad a one-letter query past the minimum.
 */
export const SearchDecisionsQuery = z
  .object({
    q: z
      .string()
      .trim()
      .min(2, 'q must be at least 2 characters')
      .max(500, 'q must be at most 500 characters'),
    k: z.coerce.number().int().min(1).max(50).default(10),
  })
  .strict();

export type SearchDecisionsQuery = z.infer<typeof SearchDecisionsQuery>;
