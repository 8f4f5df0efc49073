import type { Config } from './config';
import { getDb } from './runtime/db';

export interface DependencyState {
  status: 'ok' | 'down' | 'unconfigured';
  latency_ms?: number;
  error?: string;
  [k: string]: unknown;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  version: string;
  stage: string;
  dependencies: Record<string, DependencyState>;
}

/** Extra dependency probes registered by other modules (cache, queue, llm) without health.ts knowing them. */
type Probe = (config: Config) => Promise<DependencyState>;
const probes = new Map<string, Probe>();
export function registerHealthProbe(name: string, probe: Probe): void {
  probes.set(name, probe);
}

async function timed(
  fn: () => Promise<Omit<DependencyState, 'status' | 'latency_ms'>>,
): Promise<DependencyState> {
  const t = performance.now();
  try {
    const extra = await fn();
    return { status: 'ok', latency_ms: Math.round((performance.now() - t) * 10) / 10, ...extra };
  } catch (err) {
    return { status: 'down', latency_ms: Math.round(performance.now() - t), error: (err as Error).message };
  }
}

export async function checkHealth(config: Config): Promise<HealthReport> {
  const database = await timed(async () => {
    const db = await getDb(config);
    await db.ping(1_000);
    const caps = await db.capabilities();
    return { kind: db.kind, vector: caps.vector };
  });
  const deps: Record<string, DependencyState> = { database };
  await Promise.all(
    [...probes].map(async ([name, probe]) => {
      deps[name] = await probe(config).catch((err: Error) => ({
        status: 'down' as const,
        error: err.message,
      }));
    }),
  );
  const states = Object.values(deps);
  const status =
    database.status !== 'ok' ? 'down' : states.some((s) => s.status === 'down') ? 'degraded' : 'ok';
  return { status, version: config.SERVICE_VERSION, stage: config.STAGE, dependencies: deps };
}
