import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One Powertools Logger per process (module scope, reused across warm invocations). Request-scoped fields
 * (correlation id, route, org) go on a child logger passed in arguments, never on this shared instance, so
 * concurrent requests in one process (Lambda Managed Instances, the local runtime) never mix them.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ceo-agent',
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'INFO') as 'INFO',
});

export type Log = Logger;
