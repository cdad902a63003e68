/**
 * IAM on the user's existing bucket, narrower than CDK's grants: objects under the registry
 * prefix (read, write, delete, multipart), listing only that prefix, and reading `incoming/`.
 * When the bucket is encrypted with a customer-managed KMS key, the same grants add the key
 * operations S3 performs for those requests, and only through S3.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';

export const INCOMING_PREFIX = 'incoming/';

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** Throws unless `arn` names a KMS key: an alias ARN does not authorize the use of its key. */
export function checkBucketKeyArn(arn: string): void {
  if (!Token.isUnresolved(arn) && !KMS_KEY_ARN.test(arn))
    throw new Error(
      `bucketKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not "${arn}": IAM does not grant a key's use through its alias`,
    );
}

/**
 * SSE-KMS: S3 asks KMS to generate a data key for every write (PutObject, multipart, the
 * destination of a copy) and to decrypt one for every read (GetObject, the source of a copy,
 * completing a multipart upload), with the caller's permissions.
 */
function grantBucketKey(grantee: iam.IGrantable, bucket: s3.IBucket, keyArn: string, sid: string, actions: string[]) {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid,
      actions,
      resources: [keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(bucket).region}.amazonaws.com` } },
    }),
  );
}

export function grantRegistryObjects(
  grantee: iam.IGrantable,
  bucket: s3.IBucket,
  prefix: string,
  bucketKeyArn?: string,
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'RegistryObjects',
      actions: [
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
      ],
      resources: [bucket.arnForObjects(`${prefix}*`)],
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ListRegistryPrefix',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    }),
  );
  if (bucketKeyArn)
    grantBucketKey(grantee, bucket, bucketKeyArn, 'RegistryObjectsKey', ['kms:Decrypt', 'kms:GenerateDataKey']);
}

export function grantReadIncoming(grantee: iam.IGrantable, bucket: s3.IBucket, bucketKeyArn?: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadIncoming',
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(`${INCOMING_PREFIX}*`)],
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ListIncoming',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${INCOMING_PREFIX}*`] } },
    }),
  );
  if (bucketKeyArn) grantBucketKey(grantee, bucket, bucketKeyArn, 'IncomingKey', ['kms:Decrypt']);
}

/**
 * The statement to add to the bucket's own policy (the stack never changes the user's bucket,
 * so it is a stack output): nobody but the registry's functions may write or delete under
 * `<prefix>blobs/`. IAM grants to other writers of the bucket would otherwise let them replace
 * the bytes of a READY version (clients verify SHA-256 on download, but the registry should not
 * serve wrong bytes at all). An explicit Deny wins over any Allow, bucket owner's roles included.
 */
export function blobAreaDenyStatement(bucket: s3.IBucket, prefix: string, writers: iam.IRole[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'OnlyTheRegistryWritesItsBlobs',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
    resources: [bucket.arnForObjects(`${prefix}blobs/*`)],
    conditions: { ArnNotEquals: { 'aws:PrincipalArn': writers.map((role) => role.roleArn) } },
  });
}
