/**
 * The registry on AWS, in an account that already has the bucket: the bucket is referenced,
 * never created; the functions touch only the registry prefix and read `incoming/`.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { apiRoutes } from './api-routes.js';
import { blobAreaDenyStatement, checkBucketKeyArn, grantReadIncoming, grantRegistryObjects } from './bucket-access.js';
import { uiBuildCommands } from './bundling.js';
import { ObjectNotifications } from './object-notifications.js';
import { RegistryFunction } from './registry-function.js';
import { RegistryHttpApi } from './registry-http-api.js';
import { RegistryTable } from './registry-table.js';
import { RegistryUi } from './registry-ui.js';

export interface RegistryStackProps extends StackProps {
  /** The existing bucket's name. */
  bucketName: string;
  /**
   * The ARN of the customer-managed KMS key the bucket encrypts with (SSE-KMS), if any: the
   * functions may then use it through S3. Not needed for SSE-S3 or the AWS-managed `aws/s3` key.
   */
  bucketKeyArn?: string;
  /** Key prefix of the registry inside the bucket; default `mreg/`. */
  prefix?: string;
  jwtIssuer: string;
  jwtAudience: string[];
  /** How the identity provider names scopes (a Cognito resource server `mreg/` gives `mreg/registry.read`). */
  scopePrefix?: string;
  /**
   * The token claim that makes an admin (`cognito:groups`, `roles`) and the values of it that do.
   * Unset: nobody is an admin through the API (admin is never taken from a delegated scope).
   */
  adminClaim?: string;
  adminValues?: string[];
  throttle?: { rateLimit: number; burstLimit: number };
  /** Principals (S3 `principalId`s) whose `incoming/` drop-ins may create models; none by default. */
  dropInPrincipals?: string[];
  /** The web UI's OIDC client id at the issuer (public, code + PKCE); unset with a Cognito issuer: created. */
  uiClientId?: string;
  /** Scopes the UI asks for (default: openid and the registry's three, with scopePrefix). */
  uiScopes?: string[];
}

export class RegistryStack extends Stack {
  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    const prefix = props.prefix ?? 'mreg/';
    if (prefix !== '' && !prefix.endsWith('/')) throw new Error('prefix must end with "/"');
    const bucket = s3.Bucket.fromBucketName(this, 'Bucket', props.bucketName);
    const { bucketKeyArn } = props;
    if (bucketKeyArn !== undefined) checkBucketKeyArn(bucketKeyArn);
    const { table } = new RegistryTable(this, 'Registry');
    const bus = new events.EventBus(this, 'Events', { description: 'mreg registry events' });

    const environment: Record<string, string> = {
      MREG_TABLE_NAME: table.tableName,
      MREG_BUCKET: bucket.bucketName,
      MREG_PREFIX: prefix,
    };
    if (props.dropInPrincipals?.length) environment.MREG_DROP_IN_PRINCIPALS = props.dropInPrincipals.join(',');
    const scopePrefix = props.scopePrefix ?? '';
    // The api function reads the authorizer's claims as tightly as the routes below check them.
    const apiEnvironment: Record<string, string> = { ...environment, MREG_SCOPE_PREFIX: scopePrefix };
    if (props.adminClaim) {
      if (!props.adminValues?.length)
        throw new Error('adminClaim needs adminValues: the claim values that make an admin');
      apiEnvironment.MREG_ADMIN_CLAIM = props.adminClaim;
      apiEnvironment.MREG_ADMIN_VALUES = props.adminValues.join(',');
    }

    const api = new RegistryFunction(this, 'ApiFunction', {
      entry: 'api.ts',
      description: 'mreg HTTP API',
      environment: apiEnvironment,
      timeout: Duration.seconds(29),
    }).fn;
    // Reads nothing but the route table and the built UI: no grants.
    const docs = new RegistryFunction(this, 'DocsFunction', {
      entry: 'docs.ts',
      description: 'mreg OpenAPI document and web UI',
      environment: {},
      afterBundling: uiBuildCommands,
      memorySize: 256,
      timeout: Duration.seconds(10),
    }).fn;
    const objectCreated = new RegistryFunction(this, 'ObjectCreatedFunction', {
      entry: 'object-created.ts',
      description: 'mreg object-created notifications',
      environment,
      timeout: Duration.minutes(5),
    }).fn;
    const verifier = new RegistryFunction(this, 'VerifierFunction', {
      entry: 'verifier.ts',
      description: 'mreg asynchronous verification',
      environment,
      memorySize: 2048,
      timeout: Duration.minutes(15),
    }).fn;
    const sweeperFailures = new sqs.Queue(this, 'SweeperFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const sweeper = new RegistryFunction(this, 'SweeperFunction', {
      deadLetterQueue: sweeperFailures,
      entry: 'sweeper.ts',
      description: 'mreg sweeper',
      environment,
      timeout: Duration.minutes(10),
    }).fn;
    const publisher = new RegistryFunction(this, 'PublisherFunction', {
      entry: 'publisher.ts',
      description: 'mreg history to EventBridge',
      environment: { MREG_EVENT_BUS_NAME: bus.eventBusName },
      memorySize: 256,
    }).fn;

    for (const fn of [api, objectCreated, verifier, sweeper]) {
      table.grantReadWriteData(fn);
      grantRegistryObjects(fn, bucket, prefix, bucketKeyArn);
    }
    grantReadIncoming(objectCreated, bucket, bucketKeyArn);
    grantReadIncoming(sweeper, bucket, bucketKeyArn);
    bus.grantPutEventsTo(publisher);

    // S3 -> SQS (+ DLQ) -> object-created, reporting the failed messages of each batch.
    const notifications = new ObjectNotifications(this, 'ObjectCreated', {
      bucket,
      prefix,
      visibilityTimeout: Duration.minutes(30),
    });
    objectCreated.addEventSource(
      new SqsEventSource(notifications.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    // The table's stream feeds two consumers: history rows -> publisher, VERIFY# rows -> verifier.
    const streamFailures = new sqs.Queue(this, 'StreamFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const streamOptions = {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: 10,
      onFailure: new SqsDlq(streamFailures),
    };
    publisher.addEventSource(
      new DynamoEventSource(table, {
        ...streamOptions,
        batchSize: 100,
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { sk: { S: lambda.FilterRule.beginsWith('H#') } } },
          }),
        ],
      }),
    );
    verifier.addEventSource(
      new DynamoEventSource(table, {
        ...streamOptions,
        batchSize: 1,
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith('VERIFY#') } } },
          }),
        ],
      }),
    );

    // The sweeper on a schedule; invocations that fail or cannot be delivered land in its dead-letter queue.
    new events.Rule(this, 'SweepSchedule', {
      description: 'runs the mreg sweeper',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [new targets.LambdaFunction(sweeper, { deadLetterQueue: sweeperFailures, retryAttempts: 2 })],
    });

    const ui = new RegistryUi(this, 'Ui', {
      jwtIssuer: props.jwtIssuer,
      scopePrefix: props.scopePrefix ?? '',
      ...(props.uiClientId ? { clientId: props.uiClientId } : {}),
      ...(props.uiScopes ? { scopes: props.uiScopes } : {}),
    });
    const http = new RegistryHttpApi(this, 'Http', {
      handlers: { api, docs },
      routes: apiRoutes(),
      jwtIssuer: props.jwtIssuer,
      jwtAudience: props.jwtAudience,
      audiencesFor: (httpApi) => ui.bindApi(httpApi),
      scopePrefix,
      throttle: props.throttle ?? { rateLimit: 200, burstLimit: 400 },
    });

    ui.bindDocs(docs);

    new CfnOutput(this, 'ApiUrl', { value: http.api.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: notifications.deadLetters.queueUrl });
    const blobWriters = [api, objectCreated, verifier, sweeper].map((fn) => {
      if (!fn.role) throw new Error(`${fn.node.id} has no role`);
      return fn.role;
    });
    new CfnOutput(this, 'BlobAreaDenyStatement', {
      description: "Add to the bucket's policy: only the registry's functions write or delete its blobs",
      value: this.toJsonString(blobAreaDenyStatement(bucket, prefix, blobWriters).toStatementJson()),
    });
  }
}
