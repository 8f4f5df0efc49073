import type { RouteSpec } from '../functions/routes';
import type { StageConfig } from './config';

export interface MethodThrottle {
  /** steady-state requests per second for this method (API Gateway accepts fractions) */
  rateLimit: number;
  /** token-bucket size: requests accepted at once before the rate applies */
  burstLimit: number;
}

/**
 * A route's per-method throttle: its `throttle` share of the stage's rate and burst (cdk.json), so the limits
 * scale with the stage. Rate rounded to 0.01 rps (at least 1), burst rounded up (at least 1). The stage-wide
 * limit still caps the sum; the per-method limits keep one expensive or abused route (login, analyze) from
 * using all of it.
 */
export function methodThrottle(
  route: Pick<RouteSpec, 'id' | 'throttle'>,
  stage: Pick<StageConfig, 'apiThrottleRateLimit' | 'apiThrottleBurstLimit'>,
): MethodThrottle {
  if (!(route.throttle > 0 && route.throttle <= 1)) {
    throw new Error(
      `Route ${route.id}: throttle must be a share of the stage rate in (0, 1], got ${route.throttle}`,
    );
  }
  return {
    rateLimit: Math.max(1, Math.round(stage.apiThrottleRateLimit * route.throttle * 100) / 100),
    burstLimit: Math.max(1, Math.ceil(stage.apiThrottleBurstLimit * route.throttle)),
  };
}

/** The stage's `methodOptions` key for a route: `/resource/path/METHOD` (CDK encodes the slashes for CloudFormation). */
export function methodOptionsKey(route: Pick<RouteSpec, 'path' | 'method'>): string {
  return `${route.path}/${route.method}`;
}
