/** Lambda entry point `publisher`: history rows from the table's stream to EventBridge. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { eventsConfigFromEnv } from './config.js';
import { EventBridgeEventSink } from './eventbridge-event-sink.js';
import { createPublisherHandler } from './handlers/publisher-handler.js';
import { createLogger } from './logger.js';

const config = eventsConfigFromEnv();
const client = new EventBridgeClient(config.endpoint ? { endpoint: config.endpoint } : {});
export const handler = createPublisherHandler({
  sink: new EventBridgeEventSink({ client, ...(config.eventBusName ? { eventBusName: config.eventBusName } : {}) }),
  logger: createLogger('mreg-publisher'),
});
