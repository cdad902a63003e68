/**
 * The cdk-nag findings this stack accepts, each with its reason. Everything else must pass:
 * the infra tests assert zero unsuppressed findings of the AwsSolutions and Serverless packs.
 */
import type { Stack } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';

const FUNCTIONS = [
  'ApiFunction',
  'DocsFunction',
  'ObjectCreatedFunction',
  'VerifierFunction',
  'SweeperFunction',
  'PublisherFunction',
];
const PREFIXED_OBJECTS = /^Resource::arn:<AWS::Partition>:s3:::[^/]+\/.+\*$/;

/** The construct at `path` under the stack; a suppression must never silently miss its target. */
function at(stack: Stack, path: string): IConstruct {
  let node: IConstruct = stack;
  for (const id of path.split('/')) {
    const next = node.node.tryFindChild(id);
    if (!next) throw new Error(`nag suppression target ${path} does not exist`);
    node = next;
  }
  return node;
}

export function applySuppressions(stack: Stack): void {
  for (const name of FUNCTIONS) {
    NagSuppressions.addResourceSuppressions(
      at(stack, name),
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; S3 object permissions are limited to the registry prefix (or incoming/), which by nature covers every key under it.',
          appliesTo: ['Resource::*', { regex: `/${PREFIXED_OBJECTS.source}/` }],
        },
      ],
      true,
    );
  }
  const synchronousOrPolled: Array<[string, string]> = [
    ['ApiFunction', 'invoked synchronously by API Gateway only: there are no asynchronous invocations to dead-letter'],
    ['DocsFunction', 'invoked synchronously by API Gateway only: there are no asynchronous invocations to dead-letter'],
    [
      'ObjectCreatedFunction',
      'fed by an SQS event source: failed messages go to the notification queue’s dead-letter queue',
    ],
    ['VerifierFunction', 'fed by a DynamoDB stream: failed batches go to the event source mapping’s on-failure queue'],
    ['PublisherFunction', 'fed by a DynamoDB stream: failed batches go to the event source mapping’s on-failure queue'],
  ];
  for (const [name, reason] of synchronousOrPolled) {
    NagSuppressions.addResourceSuppressions(at(stack, `${name}/Function/Resource`), [
      { id: 'Serverless-LambdaDLQ', reason: `The function is ${reason}.` },
    ]);
  }
  NagSuppressions.addResourceSuppressions(
    at(stack, 'ObjectCreatedFunction/Function'),
    [
      {
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason:
          'SQS event source mappings take no on-failure destination; the queue’s redrive policy moves messages that keep failing to its dead-letter queue.',
      },
    ],
    true,
  );
  for (const path of ['StreamFailures/Resource', 'SweeperFailures/Resource', 'ObjectCreated/DeadLetters/Resource']) {
    NagSuppressions.addResourceSuppressions(at(stack, path), [
      { id: 'AwsSolutions-SQS3', reason: 'This queue is itself a failure destination (dead-letter queue).' },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason: 'This queue is itself a failure destination: it has nowhere further to redrive to.',
      },
    ]);
  }
  NagSuppressions.addResourceSuppressions(at(stack, 'Http/Api/GET--healthz/Resource'), [
    {
      id: 'AwsSolutions-APIG4',
      reason: 'GET /healthz is deliberately unauthenticated for health checks; it reads nothing.',
    },
  ]);
  for (const route of ['GET--ui', 'GET--ui--{proxy+}'])
    NagSuppressions.addResourceSuppressions(at(stack, `Http/Api/${route}/Resource`), [
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'The web UI’s page and static assets are public by design: they hold no data; the UI calls the authorized API routes with the user’s own token.',
      },
    ]);
  // CDK's own singleton that writes the (unmanaged) notification configuration of the imported bucket.
  for (const handler of stack.node.children.filter((c) => c.node.id.startsWith('BucketNotificationsHandler')))
    NagSuppressions.addResourceSuppressions(
      handler,
      [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'CDK’s BucketNotificationsHandler custom resource comes with the basic execution managed policy; it is not configurable.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        },
      ],
      true,
    );
}
