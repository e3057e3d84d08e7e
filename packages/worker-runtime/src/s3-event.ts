/**
 * Parsing S3 event notifications as AWS delivers them to SQS: a JSON body with `Records`
 * (possibly several), or the one-off `s3:TestEvent` sent when a notification is configured.
 */
import { decodeEventKey } from '@darkroom/pipeline-spec';
import { z } from 'zod';
import { PermanentMessageError } from './errors.ts';

// Loose objects: fields we do not read (eventTime, userIdentity …) survive into the DLQ copy.
const recordSchema = z.looseObject({
  eventSource: z.literal('aws:s3'),
  eventName: z.string(),
  s3: z.looseObject({
    bucket: z.looseObject({ name: z.string() }),
    object: z.looseObject({
      key: z.string(),
      size: z.number().optional(),
      eTag: z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

/** One record of an S3 event notification, as AWS sent it (key still encoded). */
export type S3EventRecord = z.output<typeof recordSchema>;

const bodySchema = z.union([
  z.object({ Event: z.literal('s3:TestEvent') }).transform(() => ({ kind: 'test' as const })),
  z
    .object({ Records: z.array(recordSchema).min(1) })
    .transform((b) => ({ kind: 'records' as const, records: b.Records })),
]);

/** One object an event is about, with its key decoded. */
export interface S3ObjectEvent {
  readonly eventName: string;
  readonly bucket: string;
  readonly key: string;
  readonly size: number | undefined;
  /** ETag without quotes, as S3 events carry it. */
  readonly eTag: string | undefined;
  /** Orders the events of one key: a greater value is a later write. */
  readonly sequencer: string | undefined;
  /** The record as received, for a dead-lettered copy holding only this photo. */
  readonly record: S3EventRecord;
}

/**
 * The body of a message holding only `events`, in S3's own shape.
 * @example deadLetterBody([event]) // '{"Records":[{"eventSource":"aws:s3",…}]}'
 */
export function eventMessageBody(events: readonly S3ObjectEvent[]): string {
  return JSON.stringify({ Records: events.map((e) => e.record) });
}

export type ParsedMessage =
  | { readonly kind: 'test' }
  | { readonly kind: 'records'; readonly records: readonly S3ObjectEvent[] };

/**
 * Parse an SQS message body that should hold an S3 event notification.
 * @throws {PermanentMessageError} `NotS3Event` for anything else (with the reason).
 */
export function parseS3EventMessage(body: string | undefined): ParsedMessage {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch (error) {
    throw new PermanentMessageError(
      'NotS3Event',
      `Message body is not JSON: ${JSON.stringify((body ?? '').slice(0, 80))}`,
      'parse',
      error,
    );
  }
  const result = bodySchema.safeParse(json);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new PermanentMessageError(
      'NotS3Event',
      `Message body is not an S3 event notification (${first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'unknown shape'})`,
      'parse',
    );
  }
  if (result.data.kind === 'test') return result.data;
  try {
    return {
      kind: 'records',
      records: result.data.records.map((r) => ({
        eventName: r.eventName,
        bucket: r.s3.bucket.name,
        key: decodeEventKey(r.s3.object.key),
        size: r.s3.object.size,
        eTag: r.s3.object.eTag?.replace(/"/g, ''),
        sequencer: r.s3.object.sequencer,
        record: r,
      })),
    };
  } catch (error) {
    throw new PermanentMessageError(
      'NotS3Event',
      `S3 event has a malformed object key: ${(error as Error).message}`,
      'parse',
      error,
    );
  }
}
