/**
 * One photo through one operation: source streamed from S3, result written next to it under
 * `output/<op>/`, linked to its source by metadata. Idempotent: a result that already records
 * the same source ETag and options version is left alone, so a redelivered message costs one
 * HEAD request instead of a decode, an encode and a PUT.
 */
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ImageInput, ImageResult, OperationName } from '@darkroom/image-ops';
import { DEFAULT_MAX_INPUT_BYTES, isImageOpsError } from '@darkroom/image-ops';
import { RESULT_METADATA, outputKeyFor, type Operation } from '@darkroom/pipeline-spec';
import { PermanentMessageError, TransientError, classifyAwsError } from './errors.ts';
import type { S3ObjectEvent } from './s3-event.ts';

/** Runs the image operation; injectable so the runtime is testable with a slowed or failing op. */
export type ImageOperation = (
  input: ImageInput,
  options?: Record<string, unknown>,
) => Promise<ImageResult>;

/** Results above this size go up as a multipart upload (parallel parts, resumable per part). */
export const MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;

export interface PhotoContext {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly operation: Operation;
  readonly options: Record<string, unknown>;
  readonly optionsVersion: string;
  readonly run: ImageOperation;
  /** Gate for the CPU-bound part, so I/O of other photos overlaps it. */
  readonly limitCpu: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly signal: AbortSignal;
}

export interface PhotoResult {
  readonly outcome: 'processed' | 'duplicate';
  readonly outputKey: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Time in the image operation. */
  readonly processMs: number;
  /** Time waiting for a CPU slot (other photos of the batch were being processed). */
  readonly waitMs: number;
}

/**
 * A short, stable version of an operation's resolved options: it changes exactly when a result
 * made with other options would differ.
 * @example optionsVersion({ width: 256, height: 256 }) // 'c3f1…' (12 hex chars)
 */
export function optionsVersion(operation: OperationName, options: Record<string, unknown>): string {
  const canonical = JSON.stringify([
    operation,
    Object.keys(options)
      .sort()
      .map((k) => [k, options[k]]),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

const unquote = (etag: string | undefined) => etag?.replace(/"/g, '');

async function alreadyDone(
  ctx: PhotoContext,
  outputKey: string,
  sourceEtag: string | undefined,
): Promise<boolean> {
  if (!sourceEtag) return false;
  try {
    const head = await ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: outputKey }), {
      abortSignal: ctx.signal,
    });
    const meta = head.Metadata ?? {};
    return (
      meta[RESULT_METADATA.sourceEtag] === sourceEtag &&
      meta[RESULT_METADATA.optionsVersion] === ctx.optionsVersion
    );
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (error as Error).name === 'NotFound') return false;
    throw classifyAwsError(error, 'upload', `HEAD s3://${ctx.bucket}/${outputKey}`);
  }
}

async function storeResult(
  ctx: PhotoContext,
  outputKey: string,
  sourceKey: string,
  sourceEtag: string | undefined,
  result: ImageResult,
): Promise<void> {
  const params = {
    Bucket: ctx.bucket,
    Key: outputKey,
    Body: result.data,
    ContentType: result.contentType,
    Metadata: {
      // S3 metadata is ASCII on the wire: keep the key URI-encoded.
      [RESULT_METADATA.sourceKey]: encodeURIComponent(sourceKey),
      [RESULT_METADATA.sourceEtag]: sourceEtag ?? '',
      [RESULT_METADATA.operation]: ctx.operation,
      [RESULT_METADATA.optionsVersion]: ctx.optionsVersion,
    },
  };
  try {
    if (result.data.byteLength < MULTIPART_THRESHOLD_BYTES) {
      await ctx.s3.send(new PutObjectCommand(params), { abortSignal: ctx.signal });
    } else {
      const upload = new Upload({
        client: ctx.s3,
        params,
        queueSize: 2,
        partSize: 8 * 1024 * 1024,
      });
      const abort = () => void upload.abort();
      ctx.signal.addEventListener('abort', abort, { once: true });
      try {
        await upload.done();
      } finally {
        ctx.signal.removeEventListener('abort', abort);
      }
    }
  } catch (error) {
    throw classifyAwsError(error, 'upload', `PUT s3://${ctx.bucket}/${outputKey}`);
  }
}

/**
 * Download the whole source before taking a CPU slot, so network time overlaps other photos'
 * processing. The size is checked against image-ops' byte limit before reading.
 */
async function download(
  ctx: PhotoContext,
  key: string,
): Promise<{ bytes: Buffer; etag: string | undefined }> {
  try {
    const object = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: key }), {
      abortSignal: ctx.signal,
    });
    if (!object.Body)
      throw new TransientError(
        'EmptyBody',
        `GET s3://${ctx.bucket}/${key} returned no body`,
        'download',
      );
    const limit = Number(ctx.options['maxInputBytes'] ?? DEFAULT_MAX_INPUT_BYTES);
    if ((object.ContentLength ?? 0) > limit) {
      object.Body.transformToWebStream()
        .cancel()
        .catch(() => undefined);
      throw new PermanentMessageError(
        'ImageTooLarge',
        `Source is ${object.ContentLength} bytes, above maxInputBytes ${limit}`,
        'download',
      );
    }
    const array = await object.Body.transformToByteArray();
    // Wrap, don't copy: a 20 MP JPEG is several MB and the SDK already assembled it once.
    return {
      bytes: Buffer.from(array.buffer, array.byteOffset, array.byteLength),
      etag: unquote(object.ETag),
    };
  } catch (error) {
    throw classifyAwsError(error, 'download', `GET s3://${ctx.bucket}/${key}`);
  }
}

/**
 * Process one S3 object event.
 *
 * @throws {PermanentMessageError} for a key outside the operation's prefix, a missing source or
 *   a photo image-ops rejects (its code: UnsupportedFormat, CorruptImage, ImageTooLarge).
 * @throws {TransientError} for S3 failures worth retrying.
 */
export async function processPhoto(ctx: PhotoContext, event: S3ObjectEvent): Promise<PhotoResult> {
  const outputKey = outputKeyFor(ctx.operation, event.key);
  if (!outputKey) {
    throw new PermanentMessageError(
      'KeyOutsidePrefix',
      `Key ${JSON.stringify(event.key)} is not under input/${ctx.operation}/; this queue only takes ${ctx.operation} uploads`,
      'parse',
    );
  }
  if (event.bucket !== ctx.bucket) {
    throw new PermanentMessageError(
      'WrongBucket',
      `Event is for bucket ${event.bucket}, this worker serves ${ctx.bucket}`,
      'parse',
    );
  }
  if (await alreadyDone(ctx, outputKey, event.eTag)) {
    return { outcome: 'duplicate', outputKey, bytesIn: 0, bytesOut: 0, processMs: 0, waitMs: 0 };
  }
  const { bytes, etag } = await download(ctx, event.key);
  const sourceEtag = etag ?? event.eTag;
  const bytesIn = bytes.byteLength;
  const queued = performance.now();
  let started = queued;
  let result: ImageResult;
  try {
    result = await ctx.limitCpu(() => {
      started = performance.now();
      return ctx.run(bytes, ctx.options);
    });
  } catch (error) {
    if (isImageOpsError(error))
      throw new PermanentMessageError(error.code, error.message, 'process', error);
    throw new TransientError(
      'ProcessingFailed',
      `Processing ${event.key} failed unexpectedly: ${(error as Error).message}`,
      'process',
      error,
    );
  }
  const processMs = performance.now() - started;
  await storeResult(ctx, outputKey, event.key, sourceEtag, result);
  return {
    outcome: 'processed',
    outputKey,
    bytesIn,
    bytesOut: result.info.size,
    processMs,
    waitMs: started - queued,
  };
}
