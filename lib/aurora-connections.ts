/**
 * Aurora PostgreSQL Serverless v2's default `max_connections`, which follows the memory of the cluster's
 * maximum capacity (AWS, Aurora User Guide: "Maximum connections for Aurora Serverless v2"): 189 at 1 ACU, 823 at
 * 4, 1669 at 8, 3360 at 16, 5000 from 32. With a minimum of 0 or 0.5 ACU it is capped at 2000.
 */
const PG_MAX_CONNECTIONS_BY_MAX_ACU: readonly (readonly [maxAcu: number, connections: number])[] = [
  [1, 189],
  [4, 823],
  [8, 1669],
  [16, 3360],
  [32, 5000],
];
const LOW_MIN_ACU_CAP = 2000;

/**
 * The default `max_connections` for a capacity range: the documented value at the largest listed maximum at or
 * below `maxAcu` (between listed points the real value is higher, so this errs low).
 */
export function auroraPgMaxConnections(minAcu: number, maxAcu: number): number {
  const listed = PG_MAX_CONNECTIONS_BY_MAX_ACU.filter(([acu]) => acu <= maxAcu).at(-1);
  if (!listed)
    throw new Error(`No documented max_connections for a maximum of ${maxAcu} ACU (the least is 1)`);
  return minAcu <= 0.5 ? Math.min(listed[1], LOW_MIN_ACU_CAP) : listed[1];
}
