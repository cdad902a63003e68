/**
 * MetadataStore on one DynamoDB table (`pk` hash, `sk` range). Conditional writes carry the
 * port's preconditions; a batch is a `TransactWriteItems` (one write: a plain conditional
 * Put/Delete); `increment` is an atomic `ADD ... UPDATED_NEW`.
 */
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ConditionFailedError, RetryableStoreError } from '../../shared/errors.js';
import {
  type Item,
  type ItemData,
  type MetadataStore,
  pageOfRows,
  type QueryOptions,
  type QueryPage,
  rowsToRead,
  type WriteCondition,
  type WriteOp,
} from '../../shared/ports/metadata-store.js';
import { type DynamoRecord, decodeItem, encodeItem, fieldAttribute } from './dynamo-item.js';

export interface DynamoMetadataStoreOptions {
  client: DynamoDBClient;
  tableName: string;
}

/** The greatest code point: `prefix + MAX_CHAR` bounds every key that starts with `prefix`. */
const MAX_CHAR = String.fromCodePoint(0x10ffff);

/** Error names DynamoDB uses for throttling and contention: the caller may retry. */
const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  'InternalServerError',
  'ServiceUnavailable',
]);
const RETRYABLE_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

interface ConditionParts {
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: DynamoRecord;
}

function conditionOf(condition: WriteCondition | undefined): ConditionParts | undefined {
  if (!condition) return undefined;
  if ('absent' in condition) return { ConditionExpression: 'attribute_not_exists(pk)' };
  if ('exists' in condition) return { ConditionExpression: 'attribute_exists(pk)' };
  return {
    ConditionExpression: '#etag = :etag',
    ExpressionAttributeNames: { '#etag': 'etag' },
    ExpressionAttributeValues: { ':etag': { S: condition.etag } },
  };
}

/** Wraps the SDK errors the port names (conditions, contention); anything else passes through unchanged. */
export function storeErrorOf(error: unknown, what: string): unknown {
  if (error instanceof ConditionalCheckFailedException)
    return new ConditionFailedError(`condition on ${what} does not hold`, { index: 0, cause: error });
  if (error instanceof TransactionCanceledException) {
    const reasons = error.CancellationReasons ?? [];
    const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
    if (failed >= 0)
      return new ConditionFailedError(`condition of write ${failed} on ${what} does not hold`, {
        index: failed,
        cause: error,
      });
    if (reasons.some((r) => r.Code !== undefined && RETRYABLE_REASONS.has(r.Code)))
      return new RetryableStoreError(`transaction on ${what} was cancelled by contention`, { cause: error });
    return error;
  }
  if (error instanceof Error && RETRYABLE.has(error.name))
    return new RetryableStoreError(`DynamoDB is busy (${error.name}) on ${what}`, { cause: error });
  return error;
}

export class DynamoMetadataStore implements MetadataStore {
  private readonly client: DynamoDBClient;
  private readonly table: string;

  constructor(options: DynamoMetadataStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
  }

  async get<T extends ItemData>(pk: string, sk: string): Promise<Item<T> | undefined> {
    try {
      const out = await this.client.send(
        new GetItemCommand({ TableName: this.table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
      );
      return out.Item ? decodeItem<T>(out.Item) : undefined;
    } catch (e) {
      throw storeErrorOf(e, `${pk}/${sk}`);
    }
  }

  async query<T extends ItemData>(pk: string, options: QueryOptions): Promise<QueryPage<T>> {
    const base = this.keyCondition(pk, options);
    if (!base) return { items: [] };
    const { input, skip } = base;
    const items: Item<T>[] = [];
    let startKey: DynamoRecord | undefined;
    // Read one row beyond the limit (unless told not to): a lastKey then means that more rows really follow.
    const wanted = rowsToRead(options);
    do {
      const out = await this.client
        .send(
          new QueryCommand({
            ...input,
            Limit: wanted - items.length + (skip ? 1 : 0),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        )
        .catch((e: unknown) => {
          throw storeErrorOf(e, `query ${pk}`);
        });
      for (const record of out.Items ?? []) {
        const item = decodeItem<T>(record);
        if (item.sk !== skip) items.push(item);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < wanted);
    return pageOfRows(items, options);
  }

  /**
   * The Query for a prefix and an exclusive start row. DynamoDB takes one condition on the
   * sort key, so prefix + after becomes `BETWEEN after AND prefix+MAX` with `after` itself
   * dropped (`skip`). Undefined: the range is empty.
   */
  private keyCondition(pk: string, options: QueryOptions): { input: QueryCommandInput; skip?: string } | undefined {
    const prefix = options.prefix ?? '';
    const after = options.after;
    const common = { TableName: this.table, ConsistentRead: true };
    const names = { '#pk': 'pk', '#sk': 'sk' };
    if (after !== undefined && after >= prefix) {
      if (prefix === '')
        return {
          input: {
            ...common,
            KeyConditionExpression: '#pk = :pk AND #sk > :after',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':pk': { S: pk }, ':after': { S: after } },
          },
        };
      const high = prefix + MAX_CHAR;
      if (after >= high) return undefined;
      return {
        input: {
          ...common,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':pk': { S: pk }, ':low': { S: after }, ':high': { S: high } },
        },
        skip: after,
      };
    }
    if (prefix !== '')
      return {
        input: {
          ...common,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':pk': { S: pk }, ':prefix': { S: prefix } },
        },
      };
    return {
      input: {
        ...common,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': { S: pk } },
      },
    };
  }

  async batch(pk: string, writes: WriteOp[]): Promise<void> {
    const seen = new Set<string>();
    for (const w of writes) {
      if (seen.has(w.sk)) throw new Error(`batch writes row ${w.sk} twice`);
      seen.add(w.sk);
    }
    if (writes.length === 0) return;
    const [only] = writes;
    try {
      if (writes.length === 1 && only && only.op !== 'check') await this.writeOne(pk, only);
      else
        await this.client.send(
          new TransactWriteItemsCommand({
            TransactItems: writes.map((w) => this.txItem(pk, w)),
            // The SDK's retries of this call reuse the token, so a retry after a lost response
            // does not apply the batch twice (or fail its own conditions).
            ClientRequestToken: randomUUID(),
          }),
        );
    } catch (e) {
      throw storeErrorOf(e, `partition ${pk}`);
    }
  }

  private async writeOne(pk: string, write: Exclude<WriteOp, { op: 'check' }>): Promise<void> {
    const condition = conditionOf(write.if) ?? {};
    if (write.op === 'put')
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: encodeItem(pk, write.sk, write.data, randomUUID()),
          ...condition,
        }),
      );
    else
      await this.client.send(
        new DeleteItemCommand({ TableName: this.table, Key: { pk: { S: pk }, sk: { S: write.sk } }, ...condition }),
      );
  }

  private txItem(pk: string, write: WriteOp): TransactWriteItem {
    const condition = conditionOf(write.if) ?? {};
    if (write.op === 'put')
      return { Put: { TableName: this.table, Item: encodeItem(pk, write.sk, write.data, randomUUID()), ...condition } };
    if (write.op === 'check') {
      const parts = conditionOf(write.if) ?? { ConditionExpression: 'attribute_exists(pk)' };
      return { ConditionCheck: { TableName: this.table, Key: { pk: { S: pk }, sk: { S: write.sk } }, ...parts } };
    }
    return { Delete: { TableName: this.table, Key: { pk: { S: pk }, sk: { S: write.sk } }, ...condition } };
  }

  async increment(pk: string, sk: string, field: string, by = 1): Promise<number> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: pk }, sk: { S: sk } },
          UpdateExpression: 'ADD #field :by SET #etag = :etag',
          ExpressionAttributeNames: { '#field': fieldAttribute(field), '#etag': 'etag' },
          ExpressionAttributeValues: { ':by': { N: String(by) }, ':etag': { S: randomUUID() } },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const value = out.Attributes?.[fieldAttribute(field)]?.N;
      if (value === undefined) throw new Error(`increment of ${pk}/${sk}.${field} returned no value`);
      return Number(value);
    } catch (e) {
      throw storeErrorOf(e, `${pk}/${sk}`);
    }
  }
}
