/** DynamoDB stream records of history rows (`H#...`) -> the registry events they stand for. */
import type { DynamoDBRecord, AttributeValue as StreamAttributeValue } from 'aws-lambda';
import type { RegistryEvent } from '../../shared/ports/event-sink.js';
import { eventOfHistory, type HistoryRow } from '../../shared/service/history.js';
import { type DynamoRecord, decodeItem } from './dynamo-item.js';

export const HISTORY_ROW_PREFIX = 'H#';

/** Stream images use the same attribute value shape as the SDK. */
const asRecord = (image: Record<string, StreamAttributeValue>): DynamoRecord => image as DynamoRecord;

export function eventOfStreamRecord(record: DynamoDBRecord): RegistryEvent | undefined {
  // History rows are written once and never changed: only inserts publish.
  if (record.eventName !== 'INSERT') return undefined;
  const image = record.dynamodb?.NewImage;
  if (!image?.sk?.S?.startsWith(HISTORY_ROW_PREFIX)) return undefined;
  const item = decodeItem<HistoryRow>(asRecord(image));
  return eventOfHistory(item.data);
}
