/**
 * One photo through one operation: the source is read whole from S3 (libvips needs all of it
 * for most formats), processed behind the CPU gate, and the result written under
 * `output/<op>/`, linked to its source by metadata. The result always belongs to the newest
 * version of its source: a stale event is skipped (`superseded`), a write never replaces a
 * newer result, and an identical result already there is left alone (`duplicate`).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  ACCEPTED_FORMATS,
  type ImageOperationName,
  type ImageResult,
  type ResolvedOperationOptions,
  SNIFF_BYTES,
  isImageOpsError,
  sniffFormat,
} from '@darkroom/image-ops';
import {
  MAX_KEY_BYTES,
  inputPrefix,
  isFolderPlaceholder,
  outputKeyFor,
} from '@darkroom/pipeline-spec';
import type { Gate } from './gate.ts';
import { PermanentMessageError, TransientError, classifyAwsError, httpStatusOf } from './errors.ts';
import {
  type StoreTarget,
  type StoredResult,
  compareSequencers,
  currentSourceEtag,
  deleteResult,
  putResultIf,
  readStoredResult,
  verdictFor,
} from './result-store.ts';
import type { S3ObjectEvent } from './s3-event.ts';
import type { SourceBuffer, SourceBufferPool } from './source-buffers.ts';
import type { DeliveryFacts } from './settle.ts';

/** The image operation a worker runs; tests inject a slowed or failing one. */
export type RunImageOperation<Op extends ImageOperationName> = (
  input: Buffer,
  options: ResolvedOperationOptions[Op],
) => Promise<ImageResult>;

export interface PhotoContext<Op extends ImageOperationName> extends StoreTarget {
  readonly operation: Op;
  readonly options: ResolvedOperationOptions[Op];
  readonly optionsVersion: string;
  readonly run: RunImageOperation<Op>;
  /** At most `concurrency` photos in the image operation. */
  readonly cpuGate: Gate;
  /** At most `concurrency + 1` sources in memory (see gate.ts). */
  readonly sourceGate: Gate;
  /** Their memory, reused from photo to photo. */
  readonly sourceBuffers: SourceBufferPool;
}

export interface PhotoResult {
  readonly outcome: 'processed' | 'duplicate' | 'skipped' | 'superseded' | 'removed';
  readonly outputKey: string | undefined;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Time in the image operation. */
  readonly processMs: number;
  /** Time waiting for a CPU slot (other photos were being processed). */
  readonly waitMs: number;
}

/** Conditional writes that lose a race re-read and decide again; this bounds the loop. */
const MAX_WRITE_ATTEMPTS = 3;

/**
 * A short, stable version of an operation's resolved options: it changes exactly when a result
 * made with other options would differ.
 * @example optionsVersion('thumbnail', { width: 256, height: 256 }) // 'c3f1…' (12 hex chars)
 */
export function optionsVersion(
  operation: ImageOperationName,
  options: Readonly<Record<string, unknown>>,
): string {
  const canonical = JSON.stringify([
    operation,
    Object.keys(options)
      .sort()
      .map((k) => [k, options[k]]),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

const nothing = (outcome: PhotoResult['outcome'], outputKey?: string): PhotoResult => ({
  outcome,
  outputKey,
  bytesIn: 0,
  bytesOut: 0,
  processMs: 0,
  waitMs: 0,
});

/** How often the message carrying the event has been received (SQS ApproximateReceiveCount). */
export type Delivery = Pick<DeliveryFacts, 'receiveCount'>;

/**
 * Process one S3 object event.
 *
 * On a message's first receive the stored result is not read first: almost always there is
 * none, and the write is conditional anyway (`If-None-Match: *`), so a result already there
 * (a re-upload, a duplicate notification) makes the write fail with 412 and the job re-reads
 * and decides then. That saves one HEAD per photo; the price is that an identical re-upload is
 * processed once more before being recognised as a duplicate (its result is not rewritten).
 * A redelivered message reads first: a crash after the write is its likely cause.
 *
 * @throws {PermanentMessageError} for a key outside the operation's prefix or too long for its
 *   result, a missing source or a photo image-ops rejects (UnsupportedFormat, CorruptImage,
 *   ImageTooLarge).
 * @throws {TransientError} for S3 failures worth retrying.
 */
export async function processPhoto<Op extends ImageOperationName>(
  ctx: PhotoContext<Op>,
  event: S3ObjectEvent,
  delivery: Delivery,
): Promise<PhotoResult> {
  const removed = event.eventName.startsWith('ObjectRemoved');
  if (isPlaceholderEvent(ctx, event, removed)) return nothing('skipped');
  const outputKey = checkedOutputKey(ctx, event);
  if (removed) return removeResultOf(ctx, event, outputKey);
  const stored = delivery.receiveCount > 1 ? await readStoredResult(ctx, outputKey) : undefined;
  const verdict = verdictFor(stored, event, ctx.optionsVersion);
  if (verdict === 'duplicate' || verdict === 'superseded') return nothing(verdict, outputKey);
  const processed = await ctx
    .sourceGate(() => downloadAndRun(ctx, event))
    .catch(async (error: unknown) => {
      // A newer version that is no photo: the older result must not pass for its result. The
      // photo's own reason is what the DLQ gets, even when that removal cannot be done.
      if (error instanceof PermanentMessageError)
        await removeResultOf(ctx, event, outputKey).catch(() => undefined);
      throw error;
    });
  if (!processed) return nothing('superseded', outputKey);
  const { result } = processed;
  const written = await writeResult(ctx, { outputKey, event, result }, stored);
  if (written !== 'write') return nothing(written, outputKey);
  return {
    outcome: 'processed',
    outputKey,
    bytesIn: processed.bytesIn,
    bytesOut: result.info.size,
    processMs: processed.processMs,
    waitMs: processed.waitMs,
  };
}

/**
 * Read the source and run the operation on it behind the CPU gate (the caller holds a source
 * slot, so the source is in memory only from its download to the end of its processing).
 * @returns undefined when the source was overwritten since the event.
 */
/**
 * Remove the result of an older version of the source: the source was deleted (an
 * ObjectRemoved event), or this newer version failed for good. A result made from a newer
 * event than this one stays (`superseded`).
 */
async function removeResultOf<Op extends ImageOperationName>(
  ctx: PhotoContext<Op>,
  event: S3ObjectEvent,
  outputKey: string,
): Promise<PhotoResult> {
  const stored = await readStoredResult(ctx, outputKey);
  if (!stored) return nothing('skipped', outputKey);
  if (
    stored.sourceSequencer &&
    event.sequencer &&
    compareSequencers(stored.sourceSequencer, event.sequencer) > 0
  )
    return nothing('superseded', outputKey);
  // Conditional on the version read: a re-upload's result written since is not removed.
  if (!(await deleteResult(ctx, outputKey, stored.etag))) return nothing('superseded', outputKey);
  return nothing('removed', outputKey);
}

async function downloadAndRun<Op extends ImageOperationName>(
  ctx: PhotoContext<Op>,
  event: S3ObjectEvent,
): Promise<
  { result: ImageResult; bytesIn: number; processMs: number; waitMs: number } | undefined
> {
  const source = await download(ctx, event);
  if (!source) return undefined;
  try {
    const queued = performance.now();
    let started = queued;
    const result = await ctx.cpuGate(() => {
      started = performance.now();
      return runOperation(ctx, event.key, source.bytes);
    });
    return {
      result,
      bytesIn: source.bytes.byteLength,
      processMs: performance.now() - started,
      waitMs: started - queued,
    };
  } finally {
    source.release();
  }
}

/**
 * An S3 console folder: created empty, so it has no result. A removal event carries no size, so
 * a removed key ending in `/` below the prefix may have been a file with a result: that result
 * is removed (deleting a result that never existed is harmless); the prefix itself never has one.
 */
function isPlaceholderEvent<Op extends ImageOperationName>(
  ctx: PhotoContext<Op>,
  event: S3ObjectEvent,
  removed: boolean,
): boolean {
  if (removed)
    return event.key.endsWith('/') && outputKeyFor(ctx.operation, event.key) === undefined;
  return isFolderPlaceholder(event.key, event.size ?? 0);
}

function checkedOutputKey<Op extends ImageOperationName>(
  ctx: PhotoContext<Op>,
  event: S3ObjectEvent,
): string {
  const outputKey = outputKeyFor(ctx.operation, event.key);
  if (!outputKey) {
    throw new PermanentMessageError(
      'KeyOutsidePrefix',
      `Key ${JSON.stringify(event.key)} is not under ${inputPrefix(ctx.operation)}; this queue only takes ${ctx.operation} uploads`,
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
  const bytes = Buffer.byteLength(outputKey);
  if (bytes > MAX_KEY_BYTES) {
    throw new PermanentMessageError(
      'OutputKeyTooLong',
      `Result key would be ${bytes} bytes, above S3's ${MAX_KEY_BYTES}; keep keys under ${inputPrefix(ctx.operation)} to ${MAX_KEY_BYTES - (bytes - Buffer.byteLength(event.key))} bytes`,
      'parse',
    );
  }
  return outputKey;
}

async function runOperation<Op extends ImageOperationName>(
  ctx: PhotoContext<Op>,
  key: string,
  bytes: Buffer,
): Promise<ImageResult> {
  try {
    return await ctx.run(bytes, ctx.options);
  } catch (error: unknown) {
    if (isImageOpsError(error))
      throw new PermanentMessageError(error.code, error.message, 'process', error);
    throw new TransientError(
      'ProcessingFailed',
      `Processing ${key} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      'process',
      error,
    );
  }
}

/**
 * Read the whole source version the event is about (`If-Match` its ETag). The size is checked
 * against image-ops' byte limit before reading.
 * @returns undefined when the source was overwritten (412) or deleted (404) since the event: the
 *   newer version's own event follows, or there is nothing left to process.
 */
async function download<Op extends ImageOperationName>(
  ctx: PhotoContext<Op>,
  event: S3ObjectEvent,
): Promise<SourceBuffer | undefined> {
  const what = `GET s3://${ctx.bucket}/${event.key}`;
  try {
    const object = await ctx.s3.send(
      new GetObjectCommand({
        Bucket: ctx.bucket,
        Key: event.key,
        // Events carry the ETag bare; HTTP compares entity tags in quotes.
        IfMatch: event.eTag === undefined ? undefined : `"${event.eTag}"`,
      }),
      { abortSignal: ctx.signal },
    );
    if (!object.Body) throw new TransientError('EmptyBody', `${what} returned no body`, 'download');
    const limit = ctx.options.maxInputBytes;
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
    return await readWhole(object.Body, object.ContentLength, ctx.sourceBuffers, (head) =>
      refuseNonImage(head, event.key),
    );
  } catch (error) {
    if (error instanceof PermanentMessageError) throw error;
    // 412: overwritten since the event; 404: deleted since (the worker may list its own input
    // prefix, so S3 says 404, not 403). Either way a newer event of the key wins: nothing to do,
    // and nothing for the DLQ alarm.
    const status = httpStatusOf(error);
    if (status === 412 || status === 404) return undefined;
    throw classifyAwsError(error, 'download', what);
  }
}

/**
 * Read a response body into pooled memory. With a known length (S3 always sends it) the chunks
 * are copied straight into a reused buffer of that size: no list of chunks, no concatenation,
 * no fresh multi-MB allocation per photo (see source-buffers.ts). Without one (not S3's way,
 * but the SDK's types allow it) the body is read as the SDK reads it.
 */
/**
 * A source whose first bytes are no accepted image format is refused there, before the rest is
 * downloaded (a 200 MB non-image once cost 13.7 s and 250 MB that stayed).
 */
async function refuseNonImage(head: Uint8Array, key: string): Promise<void> {
  const sniffed = await sniffFormat(head);
  if (sniffed.kind !== 'refused') return;
  throw new PermanentMessageError(
    'UnsupportedFormat',
    `${key} is not a photo in an accepted format (${ACCEPTED_FORMATS.join(', ')})${sniffed.detected ? `: it starts like ${sniffed.detected}` : ''}`,
    'download',
  );
}

async function readWhole(
  body: Readable | { transformToByteArray(): Promise<Uint8Array> },
  length: number | undefined,
  pool: SourceBufferPool,
  checkHead: (head: Uint8Array) => Promise<void>,
): Promise<SourceBuffer> {
  if (!(body instanceof Readable) || length === undefined) {
    if (body instanceof Readable)
      return { bytes: Buffer.concat(await body.toArray()), release: () => undefined };
    const array = await body.transformToByteArray();
    // A view of the SDK's array, not a copy.
    const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    return { bytes, release: () => undefined };
  }
  const source = pool.take(length);
  try {
    let offset = 0;
    for await (const chunk of body) {
      if (!(chunk instanceof Uint8Array) || offset + chunk.byteLength > length)
        throw new TransientError(
          'BodyLengthMismatch',
          `body longer than its Content-Length ${length}`,
          'download',
        );
      source.bytes.set(chunk, offset);
      const before = offset;
      offset += chunk.byteLength;
      // Once, when the first SNIFF_BYTES (or the whole of a shorter source) are in.
      if (before < Math.min(SNIFF_BYTES, length) && offset >= Math.min(SNIFF_BYTES, length))
        await checkHead(source.bytes.subarray(0, offset));
    }
    if (offset !== length)
      throw new TransientError(
        'BodyLengthMismatch',
        `body ended at ${offset} of ${length} bytes`,
        'download',
      );
    return source;
  } catch (error) {
    source.release();
    throw error;
  }
}

/**
 * Write conditionally on the result read before the work; when another job wrote meanwhile,
 * read again and decide again.
 */
async function writeResult<Op extends ImageOperationName>(
  ctx: PhotoContext<Op>,
  write: { outputKey: string; event: S3ObjectEvent; result: ImageResult },
  storedBefore: StoredResult | undefined,
): Promise<'write' | 'duplicate' | 'superseded'> {
  let stored = storedBefore;
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    let verdict = verdictFor(stored, write.event, ctx.optionsVersion);
    if (verdict === 'unordered')
      verdict =
        (await currentSourceEtag(ctx, write.event.key)) === write.event.eTag
          ? 'write'
          : 'superseded';
    if (verdict !== 'write') return verdict;
    const full = { ...write, operation: ctx.operation, optionsVersion: ctx.optionsVersion };
    if (await putResultIf(ctx, full, stored)) return 'write';
    stored = await readStoredResult(ctx, write.outputKey);
  }
  throw new TransientError(
    'WriteConflict',
    `PUT s3://${ctx.bucket}/${write.outputKey} lost ${MAX_WRITE_ATTEMPTS} conditional-write races in a row`,
    'upload',
  );
}
