/**
 * S3 event bodies for tests that feed a queue directly, from the emulator's one event builder
 * (`objectEventRecord`, the shape its notifications have and the recorded AWS event it is tested
 * against): several records per message, fresh increasing sequencers.
 */
import { LOCAL_REGION } from '../emulator.ts';
import { objectEventRecord, testEventBody } from '../notifications/event-message.ts';

let lastSequence = 0x55aed6dcd90281e5n;

/** A fresh sequencer, greater than every earlier one, as S3 gives each write of a key. */
export function nextSequencer(): string {
  lastSequence += 1n;
  return lastSequence.toString(16).toUpperCase().padStart(18, '0');
}

export interface EventObject {
  readonly key: string;
  readonly size: number;
  readonly eTag: string;
  readonly sequencer?: string;
}

/** One `ObjectCreated:Put` record for `key` in `bucket`. */
export function s3EventRecord(bucket: string, key: string, object: Omit<EventObject, 'key'>) {
  return objectEventRecord({
    region: LOCAL_REGION,
    eventName: 'ObjectCreated:Put',
    configurationId: 'darkroom-test',
    bucket,
    key,
    size: object.size,
    eTag: object.eTag,
    sequencer: object.sequencer ?? nextSequencer(),
    requestId: 'EXAMPLE',
    sourceIp: '127.0.0.1',
  });
}

/** An S3 event message body with one record per object. */
export function s3EventBody(bucket: string, objects: readonly EventObject[]): string {
  return JSON.stringify({ Records: objects.map((o) => s3EventRecord(bucket, o.key, o)) });
}

/** The `s3:TestEvent` S3 sends when a notification configuration is set. */
export const S3_TEST_EVENT_BODY = testEventBody(
  'photos',
  '5582815E1AEA5ADF',
  new Date('2026-11-22T02:00:00.000Z'),
);
