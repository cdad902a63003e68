/** Structured JSON logs (Powertools). Log lines carry ids, keys and counts; never tokens, claims or URLs with signatures. */
import { Logger } from '@aws-lambda-powertools/logger';

export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logLevel: process.env.POWERTOOLS_LOG_LEVEL === 'DEBUG' ? 'DEBUG' : 'INFO' });
}

export type { Logger };
