/**
 * Runs `total` calls of `fn` with at most `inFlight` outstanding at once (a burst), spreading call i over
 * `targets[i % targets.length]`. Returns how many resolved and how many rejected, per rejection name.
 */
export async function burst<T>(
  targets: T[],
  total: number,
  inFlight: number,
  fn: (target: T, i: number) => Promise<unknown>,
): Promise<{ ok: number; rejected: Record<string, number> }> {
  let next = 0;
  let ok = 0;
  const rejected: Record<string, number> = {};
  const worker = async () => {
    while (next < total) {
      const i = next++;
      try {
        await fn(targets[i % targets.length]!, i);
        ok++;
      } catch (err) {
        const name = (err as Error)?.name ?? 'Error';
        rejected[name] = (rejected[name] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker));
  return { ok, rejected };
}
