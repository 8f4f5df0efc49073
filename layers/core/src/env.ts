import type * as z from 'zod';
import { ValidationError } from './errors';

/**
 * The one way every area reads its configuration: validate the environment against the area's zod schema,
 * once per cold start, or stop with a message that names each variable and what is wrong with it (the
 * message is what Lambda's init error log shows; `details` carries the same as data).
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, area: string): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new ValidationError(
    `Invalid ${area} configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    issues,
  );
}

/** A cross-variable rule a schema cannot say: the same error, naming the variable. */
export function configError(area: string, path: string, message: string): ValidationError {
  return new ValidationError(`Invalid ${area} configuration: ${path}: ${message}`, [{ path, message }]);
}
