/** S3 event notification bodies in AWS's format (event version 2.1). */
import { encodeEventKey } from '@darkroom/pipeline-spec';

export interface ObjectEventInput {
  readonly region: string;
  readonly eventName: string;
  readonly configurationId: string;
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly sequencer: string;
  readonly requestId: string;
  readonly sourceIp: string;
  readonly eventTime?: Date;
}

const OWNER = 'DARKROOMLOCAL';

/** One record of an S3 event notification, as S3 writes it. */
export function objectEventRecord(input: ObjectEventInput): Record<string, unknown> {
  const removed = input.eventName.startsWith('ObjectRemoved');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: input.region,
    eventTime: (input.eventTime ?? new Date()).toISOString(),
    eventName: input.eventName,
    userIdentity: { principalId: `AWS:${OWNER}` },
    requestParameters: { sourceIPAddress: input.sourceIp },
    responseElements: {
      'x-amz-request-id': input.requestId,
      'x-amz-id-2': `${input.requestId}/local`,
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: input.configurationId,
      bucket: {
        name: input.bucket,
        ownerIdentity: { principalId: OWNER },
        arn: `arn:aws:s3:::${input.bucket}`,
      },
      object: removed
        ? { key: encodeEventKey(input.key), sequencer: input.sequencer }
        : {
            key: encodeEventKey(input.key),
            size: input.size ?? 0,
            eTag: (input.eTag ?? '').replace(/"/g, ''),
            sequencer: input.sequencer,
          },
    },
  };
}

/** The body of one S3 event notification message with a single record. */
export function objectEventBody(input: ObjectEventInput): string {
  return JSON.stringify({ Records: [objectEventRecord(input)] });
}

/** The `s3:TestEvent` S3 sends to each destination when a configuration is set. */
export function testEventBody(bucket: string, requestId: string, time = new Date()): string {
  return JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: time.toISOString(),
    Bucket: bucket,
    RequestId: requestId,
    HostId: `${requestId}/local`,
  });
}
