/** S3 notification shapes -> the core's ObjectCreatedEvent, from the published examples. */
import type { S3Event } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decodeS3Key, fromAny, fromMessageBody } from '../../functions/aws/s3-notifications.js';
import { fixture } from '../support/aws/events.js';

describe('S3 notifications', () => {
  it('reads the S3 docs PUT example (versioned bucket)', () => {
    const [out] = fromAny(fixture('s3-object-created-put.json'));
    expect(out).toEqual({
      bucket: 'mybucket',
      event: {
        key: 'HappyFace.jpg',
        size: 1024,
        etag: 'd41d8cd98f00b204e9800998ecf8427e',
        versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
        sequencer: '0055AED6DCD90281E5',
        creator: 'AIDAJDPLRKLG7UEXAMPLE',
      },
    });
  });

  it('reads the Lambda docs example (unversioned: no version id)', () => {
    const [out] = fromAny(fixture('s3-object-created-put-lambda-docs.json'));
    expect(out?.event.versionId).toBeUndefined();
    expect(out?.event.etag).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reads EventBridge Object Created, with its own field names', () => {
    const [out] = fromAny(fixture('eventbridge-s3-object-created.json'));
    expect(out).toEqual({
      bucket: 'DOC-EXAMPLE-BUCKET1',
      event: {
        key: 'example-key',
        size: 5,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        sequencer: '617f08299329d189',
        creator: '123456789012',
      },
    });
  });

  it('reads S3 records inside an SQS body and inside an SNS envelope', () => {
    const records = fixture<S3Event>('s3-object-created-put.json');
    expect(fromMessageBody(JSON.stringify(records))).toHaveLength(1);
    const sns = { Type: 'Notification', Message: JSON.stringify(records) };
    expect(fromMessageBody(JSON.stringify(sns))[0]?.event.key).toBe('HappyFace.jpg');
  });

  it('URL-decodes keys, with + for a space', () => {
    expect(decodeS3Key('red+flower.jpg')).toBe('red flower.jpg');
    expect(decodeS3Key('incoming/fraud/c%2B%2B+build%3A1.onnx')).toBe('incoming/fraud/c++ build:1.onnx');
    expect(decodeS3Key('%C3%BC%E6%A8%A1%E5%9E%8B.bin')).toBe('ü模型.bin');
    const records = fixture<S3Event>('s3-object-created-put.json');
    const first = records.Records[0];
    if (first) first.s3.object.key = 'incoming/fraud/red+flower.onnx';
    expect(fromAny(records)[0]?.event.key).toBe('incoming/fraud/red flower.onnx');
  });

  it('ignores S3 test events, removals and other sources', () => {
    expect(fromMessageBody(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' }))).toEqual([]);
    const removed = fixture<S3Event>('s3-object-created-put.json');
    const first = removed.Records[0];
    if (first) first.eventName = 'ObjectRemoved:Delete';
    expect(fromAny(removed)).toEqual([]);
    expect(fromAny(fixture('eventbridge-scheduled.json'))).toEqual([]);
    expect(() => fromMessageBody('not json')).toThrow(/not JSON/);
  });
});
