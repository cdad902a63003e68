/** The `sweeper` function, on an EventBridge schedule: the core's sweep, its report logged. */
import type { Context } from 'aws-lambda';
import type { SweepReport } from '../../../shared/service/sweeper.js';
import type { Logger } from '../logger.js';

export interface SweepTarget {
  sweep(options?: { blobLimit?: number }): Promise<SweepReport>;
}

export function createSweeperHandler(deps: { registry: SweepTarget; logger: Logger }) {
  return async (event: { id?: string }, context?: Context): Promise<SweepReport> => {
    deps.logger.resetKeys();
    if (context) deps.logger.addContext(context);
    if (event.id) deps.logger.setCorrelationId(event.id);
    const report = await deps.registry.sweep();
    deps.logger.info('swept', { report });
    return report;
  };
}
