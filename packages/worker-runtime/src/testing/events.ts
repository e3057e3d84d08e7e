/**
 * Test support: S3 event notification bodies shaped exactly as AWS sends them to SQS
 * (event version 2.1, keys URL-encoded with spaces as `+`).
 */
import { encodeEventKey } from '@darkroom/pipeline-spec';

let lastSequence = 0x55aed6dcd90281e5n;

/** A fresh sequencer, greater than every earlier one, as S3 gives each write of a key. */
export function nextSequencer(): string {
  lastSequence += 1n;
  return lastSequence.toString(16).toUpperCase().padStart(18, '0');
}

export function s3EventRecord(
  bucket: string,
  key: string,
  object: { size: number; eTag: string; sequencer?: string },
) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: new Date().toISOString(),
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'EXAMPLE', 'x-amz-id-2': 'EXAMPLE' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'darkroom-test',
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: 'EXAMPLE' },
        arn: `arn:aws:s3:::${bucket}`,
      },
      object: {
        key: encodeEventKey(key),
        size: object.size,
        eTag: object.eTag.replace(/"/g, ''),
        sequencer: object.sequencer ?? nextSequencer(),
      },
    },
  };
}

export function s3EventBody(
  bucket: string,
  objects: readonly { key: string; size: number; eTag: string; sequencer?: string }[],
): string {
  return JSON.stringify({ Records: objects.map((o) => s3EventRecord(bucket, o.key, o)) });
}

export const S3_TEST_EVENT_BODY = JSON.stringify({
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2026-11-22T02:00:00.000Z',
  Bucket: 'photos',
  RequestId: '5582815E1AEA5ADF',
  HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
});
