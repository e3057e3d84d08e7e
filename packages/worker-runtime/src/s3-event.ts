/**
 * Parsing S3 event notifications as AWS delivers them to SQS: a JSON body with `Records`
 * (possibly several), or the one-off `s3:TestEvent` sent when a notification is configured.
 */
import { decodeEventKey } from '@darkroom/pipeline-spec';
import { z } from 'zod';
import { PermanentMessageError } from './errors.ts';

const recordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      size: z.number().optional(),
      eTag: z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

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
