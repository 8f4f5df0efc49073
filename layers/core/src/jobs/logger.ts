/** The slice of a logger the jobs code uses; Powertools Logger satisfies it. */
export interface JobsLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}
