/**
 * Object-created notifications of the existing bucket, filtered to the registry's staging
 * prefix and `incoming/`, delivered through SQS with a dead-letter queue. On an imported
 * bucket CDK writes them with an unmanaged custom resource, which leaves the bucket's other
 * notifications alone.
 */
import { Duration } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INCOMING_PREFIX } from './bucket-access.js';

export interface ObjectNotificationsProps {
  bucket: s3.IBucket;
  prefix: string;
  /** At least six times the consumer's timeout, as Lambda recommends for SQS sources. */
  visibilityTimeout: Duration;
}

export class ObjectNotifications extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: ObjectNotificationsProps) {
    super(scope, id);
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 5 },
    });
    const destination = new s3n.SqsDestination(this.queue);
    for (const prefix of [`${props.prefix}uploads/`, INCOMING_PREFIX])
      props.bucket.addObjectCreatedNotification(destination, { prefix });
  }
}
