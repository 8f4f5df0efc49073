/**
 * Text PostgreSQL (and JSON/UTF-8 in general) cannot store: a NUL character (`text` and `jsonb` reject
 * U+0000) and an unpaired UTF-16 surrogate (not encodable as UTF-8). Every string the API accepts is checked
 * before validation, so such input is a 400 naming the field — never a database error after a model call.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function unsafeTextReason(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired surrogates (invalid Unicode)';
  return undefined;
}

export interface TextIssue {
  in: string;
  path: string;
  message: string;
}

/** Every unsafe string in `value` (object keys included), with its path; at most `max` issues. */
export function findUnsafeText(value: unknown, where: string, max = 20): TextIssue[] {
  const out: TextIssue[] = [];
  const visit = (v: unknown, path: string[], depth: number): void => {
    if (out.length >= max || depth > 64) return;
    if (typeof v === 'string') {
      const reason = unsafeTextReason(v);
      if (reason) out.push({ in: where, path: path.join('.'), message: `${path.at(-1) ?? where} ${reason}` });
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) visit(v[i], [...path, String(i)], depth + 1);
      return;
    }
    if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        const keyReason = unsafeTextReason(k);
        if (keyReason) {
          out.push({ in: where, path: path.join('.'), message: `a field name ${keyReason}` });
          continue;
        }
        visit(item, [...path, k], depth + 1);
      }
    }
  };
  visit(value, [], 0);
  return out;
}
