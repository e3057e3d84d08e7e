/**
 * Results in S3 and how they relate to their source: each result records the source's ETag and
 * event sequencer and the options version. Reading that back decides whether a job's result is
 * already there (duplicate), outdated by a newer upload of the source (superseded), or to be
 * written; writing is conditional on what was read, so an older job can never overwrite the
 * result of a newer source version (S3 answers 412 PreconditionFailed or 409
 * ConditionalRequestConflict instead).
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ImageResult } from '@darkroom/image-ops';
import { RESULT_METADATA } from '@darkroom/pipeline-spec';
import { classifyAwsError, httpStatusOf } from './errors.ts';
import type { S3ObjectEvent } from './s3-event.ts';

/** Results above this size go up as a multipart upload (parallel parts, resumable per part). */
export const MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;

/** What a stored result says about the job that wrote it. */
export interface StoredResult {
  /** ETag of the result object itself (the write condition). */
  readonly etag: string;
  readonly sourceEtag: string | undefined;
  readonly sourceSequencer: string | undefined;
  readonly optionsVersion: string | undefined;
}

export type Verdict = 'write' | 'duplicate' | 'superseded';

export interface StoreTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly signal: AbortSignal;
}

/**
 * Order two S3 event sequencers of one key: S3 documents them as hex strings of varying length,
 * compared after left-padding the shorter with zeros.
 * @example compareSequencers('0A', '009') // 1
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const [pa, pb] = [a.padStart(width, '0').toUpperCase(), b.padStart(width, '0').toUpperCase()];
  return pa === pb ? 0 : pa > pb ? 1 : -1;
}

/**
 * Decide what a job for `event` should do given the result already stored (if any). The newest
 * event of a key wins, whatever its bytes: a result is a duplicate only of the very event that
 * made it (an SQS redelivery, a repeated notification). An identical re-upload (an edit
 * reverted) is written again, so the result records the newest sequencer and a slower job of
 * the version in between is superseded instead of overwriting it (S, L, S again must end as S).
 * `undefined` sequencers (an old result, a source written before sequencers were recorded)
 * cannot be ordered: equal ETags are a duplicate; otherwise the caller checks the source itself.
 */
export function verdictFor(
  stored: StoredResult | undefined,
  event: Pick<S3ObjectEvent, 'eTag' | 'sequencer'>,
  optionsVersion: string,
): Verdict | 'unordered' {
  if (!stored) return 'write';
  const sameOptions = stored.optionsVersion === optionsVersion;
  if (stored.sourceSequencer && event.sequencer) {
    const order = compareSequencers(stored.sourceSequencer, event.sequencer);
    if (order > 0) return 'superseded';
    return order === 0 && sameOptions && stored.sourceEtag === event.eTag ? 'duplicate' : 'write';
  }
  if (stored.sourceEtag === event.eTag && sameOptions) return 'duplicate';
  return 'unordered';
}

const unquote = (etag: string | undefined) => etag?.replace(/"/g, '');

/** HEAD the result. @returns undefined when there is none yet. */
export async function readStoredResult(
  target: StoreTarget,
  outputKey: string,
): Promise<StoredResult | undefined> {
  try {
    const head = await target.s3.send(
      new HeadObjectCommand({ Bucket: target.bucket, Key: outputKey }),
      { abortSignal: target.signal },
    );
    const meta = head.Metadata ?? {};
    return {
      etag: head.ETag ?? '',
      sourceEtag: meta[RESULT_METADATA.sourceEtag],
      sourceSequencer: meta[RESULT_METADATA.sourceSequencer] || undefined,
      optionsVersion: meta[RESULT_METADATA.optionsVersion],
    };
  } catch (error) {
    if (httpStatusOf(error) === 404) return undefined;
    throw classifyAwsError(error, 'check-result', `HEAD s3://${target.bucket}/${outputKey}`);
  }
}

/** Delete a result (its source is gone); a result already gone is fine. */
/**
 * Delete a result, only if it is still the version that was read (`etag`, S3's conditional
 * delete): a result a newer upload wrote in between is kept. @returns false when it changed.
 */
export async function deleteResult(
  target: StoreTarget,
  outputKey: string,
  etag?: string,
): Promise<boolean> {
  try {
    await target.s3.send(
      new DeleteObjectCommand({
        Bucket: target.bucket,
        Key: outputKey,
        ...(etag ? { IfMatch: etag } : {}),
      }),
      { abortSignal: target.signal },
    );
    return true;
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 404) return true;
    if (status === 412) return false;
    throw classifyAwsError(error, 'upload', `DELETE s3://${target.bucket}/${outputKey}`);
  }
}

/** The current ETag of the source, or undefined when it was deleted. */
export async function currentSourceEtag(
  target: StoreTarget,
  key: string,
): Promise<string | undefined> {
  try {
    const head = await target.s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }), {
      abortSignal: target.signal,
    });
    return unquote(head.ETag);
  } catch (error) {
    if (httpStatusOf(error) === 404) return undefined;
    throw classifyAwsError(error, 'check-result', `HEAD s3://${target.bucket}/${key}`);
  }
}

export interface ResultToWrite {
  readonly outputKey: string;
  readonly event: S3ObjectEvent;
  readonly operation: string;
  readonly optionsVersion: string;
  readonly result: ImageResult;
}

/**
 * PUT the result on the condition that the stored result is still `expected` (or that there is
 * none). @returns false when the condition failed: someone else wrote first.
 */
export async function putResultIf(
  target: StoreTarget,
  write: ResultToWrite,
  expected: StoredResult | undefined,
): Promise<boolean> {
  const params: PutObjectCommandInput = {
    Bucket: target.bucket,
    Key: write.outputKey,
    Body: write.result.data,
    ContentType: write.result.contentType,
    Metadata: {
      // S3 metadata is ASCII on the wire: keep the key URI-encoded.
      [RESULT_METADATA.sourceKey]: encodeURIComponent(write.event.key),
      [RESULT_METADATA.sourceEtag]: write.event.eTag ?? '',
      [RESULT_METADATA.sourceSequencer]: write.event.sequencer ?? '',
      [RESULT_METADATA.operation]: write.operation,
      [RESULT_METADATA.optionsVersion]: write.optionsVersion,
    },
    ...(expected ? { IfMatch: expected.etag } : { IfNoneMatch: '*' }),
  };
  try {
    const data = write.result.data;
    let multipart = data.byteLength >= MULTIPART_THRESHOLD_BYTES;
    // A result byte-identical to the stored one (an edit reverted) would keep its ETag, and a
    // slower job holding that ETag as its If-Match would then overwrite this newer result. Write
    // it the other way (one-part multipart vs single PUT): same bytes, another ETag.
    if (expected && unquote(expected.etag) === plannedEtag(data, multipart)) multipart = !multipart;
    if (!multipart) {
      await target.s3.send(new PutObjectCommand(params), { abortSignal: target.signal });
    } else if (data.byteLength >= MULTIPART_THRESHOLD_BYTES) {
      await multipartUpload(target, params);
    } else {
      await onePartUpload(target, params, data);
    }
    return true;
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 412 || status === 409) return false;
    throw classifyAwsError(error, 'upload', `PUT s3://${target.bucket}/${write.outputKey}`);
  }
}

const MULTIPART_PART_BYTES = 8 * 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes);

/** The ETag S3 gives `data` written as one PUT, or as a multipart upload of 8 MiB parts. */
export function plannedEtag(data: Buffer, multipart: boolean): string {
  if (!multipart) return md5(data).digest('hex');
  const parts: Buffer[] = [];
  const size =
    data.byteLength >= MULTIPART_THRESHOLD_BYTES ? MULTIPART_PART_BYTES : data.byteLength;
  for (let at = 0; at < data.byteLength; at += size)
    parts.push(md5(data.subarray(at, at + size)).digest());
  return `${md5(Buffer.concat(parts)).digest('hex')}-${parts.length}`;
}

/** A small result as a one-part multipart upload, conditional like a PUT (If-Match / If-None-Match on Complete). */
async function onePartUpload(
  target: StoreTarget,
  params: PutObjectCommandInput,
  data: Buffer,
): Promise<void> {
  const { IfMatch, IfNoneMatch, Body: _body, ...create } = params;
  const options = { abortSignal: target.signal };
  const { UploadId } = await target.s3.send(new CreateMultipartUploadCommand(create), options);
  try {
    const part = await target.s3.send(
      new UploadPartCommand({
        Bucket: params.Bucket,
        Key: params.Key,
        UploadId,
        PartNumber: 1,
        Body: data,
      }),
      options,
    );
    await target.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: params.Bucket,
        Key: params.Key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        ...(IfMatch ? { IfMatch } : {}),
        ...(IfNoneMatch ? { IfNoneMatch } : {}),
      }),
      options,
    );
  } catch (error) {
    await target.s3
      .send(new AbortMultipartUploadCommand({ Bucket: params.Bucket, Key: params.Key, UploadId }))
      .catch(() => undefined);
    throw error;
  }
}

async function multipartUpload(target: StoreTarget, params: PutObjectCommandInput): Promise<void> {
  const upload = new Upload({
    client: target.s3,
    params,
    queueSize: 2,
    partSize: 8 * 1024 * 1024,
  });
  const abort = () => void upload.abort();
  target.signal.addEventListener('abort', abort, { once: true });
  try {
    await upload.done();
  } finally {
    target.signal.removeEventListener('abort', abort);
  }
}
