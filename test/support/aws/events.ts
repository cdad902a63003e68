/**
 * Real-shaped Lambda events for tests, built from the published fixtures in
 * shared/fixtures/aws: API Gateway 2.0 requests with a JWT authorizer, SQS-wrapped S3
 * notifications, stream records, scheduled events.
 */
import { readFileSync } from 'node:fs';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type {
  Context,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  S3Event,
  SQSEvent,
  AttributeValue as StreamAttributeValue,
} from 'aws-lambda';
import type { ApiEvent } from '../../../functions/aws/handlers/api-handler.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

export interface ApiCall {
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Claims of the caller's access token; none: a route without an authorizer (`/healthz`). */
  claims?: Record<string, string | number | boolean | string[]>;
}

let requestCounter = 0;

/** An API Gateway HTTP API 2.0 event shaped like the fixture, for one call. */
export function apiEvent(call: ApiCall): ApiEvent {
  const base = fixture<ApiEvent>('apigw-http-v2-jwt.json');
  const body =
    call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const headers: Record<string, string> = { host: base.requestContext.domainName, ...(call.headers ?? {}) };
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const event: ApiEvent = {
    ...base,
    routeKey: `${call.method} ${call.path}`,
    rawPath: call.path,
    rawQueryString: call.query ?? '',
    cookies: [],
    headers,
    queryStringParameters: Object.fromEntries(new URLSearchParams(call.query ?? '')),
    pathParameters: {},
    isBase64Encoded: false,
    requestContext: {
      ...base.requestContext,
      requestId: `req-${++requestCounter}`,
      routeKey: `${call.method} ${call.path}`,
      http: { ...base.requestContext.http, method: call.method, path: call.path },
    },
  };
  if (body !== undefined) event.body = body;
  else delete event.body;
  if (call.claims) {
    const scopes = typeof call.claims.scope === 'string' ? call.claims.scope.split(' ') : null;
    event.requestContext.authorizer = {
      jwt: { claims: call.claims, scopes },
    } as ApiEvent['requestContext']['authorizer'];
  } else delete event.requestContext.authorizer;
  return event;
}

/** S3 form-encodes keys in notifications (`+` for a space); s3rver 3.7.1 sends them decoded. */
export function encodeS3Key(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

/** s3rver's notification as S3 would send it: keys encoded. */
export function asAwsNotification(event: S3Event): S3Event {
  return {
    Records: event.Records.map((r) => ({
      ...r,
      s3: { ...r.s3, object: { ...r.s3.object, key: encodeS3Key(r.s3.object.key) } },
    })),
  };
}

let messageCounter = 0;

/** S3 notifications as the SQS queue delivers them to Lambda: one message per notification body. */
export function sqsEvent(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body) => {
      const messageId = `msg-${++messageCounter}`;
      return {
        messageId,
        receiptHandle: `handle-${messageId}`,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:mreg-object-created',
        awsRegion: 'us-east-1',
      };
    }),
  };
}

let sequence = 1000;

/** A stream record carrying a table item's new image (same attribute shape as the SDK's). */
export function streamRecord(
  image: Record<string, AttributeValue>,
  eventName: 'INSERT' | 'MODIFY' = 'INSERT',
): DynamoDBRecord {
  const seq = String(++sequence);
  return {
    eventID: `evt-${seq}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      Keys: { pk: { S: image.pk?.S ?? '' }, sk: { S: image.sk?.S ?? '' } },
      NewImage: image as Record<string, StreamAttributeValue>,
      SequenceNumber: seq,
      SizeBytes: 100,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/mreg/stream/2026-11-23T00:00:00.000',
  };
}

export const streamEvent = (records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

export function lambdaContext(name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: `aws-req-${++requestCounter}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: '2026/11/23/[$LATEST]0000',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
