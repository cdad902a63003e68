/**
 * Structured JSON logs (Powertools). The level comes from POWERTOOLS_LOG_LEVEL (the stack sets
 * INFO). Log lines carry ids, keys, states and counts; never tokens, claims or signed URLs.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

export type { Logger };
