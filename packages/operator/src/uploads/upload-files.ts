/**
 * Files to S3, in parallel: one PutObject up to `partSize`, multipart through
 * @aws-sdk/lib-storage above it (streamed from disk). An object already there with the same
 * size and ETag is skipped, so an interrupted upload resumes. One file that fails never stops
 * the others; the rate counts what was sent, not what was skipped or failed.
 */
import { createReadStream, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import { forEachLimited } from '../pool.ts';
import { listObjects } from '../storage/list-objects.ts';
import type { PipelineClients } from '../target.ts';
import { expectedEtag, unquoteEtag } from './etag.ts';

export interface UploadItem {
  /** Bytes: a Latin-1 name opens as the file system has it. */
  readonly path: Buffer | string;
  readonly size: number;
  readonly key: string;
}

export type UploadOutcome = 'uploaded' | 'skipped' | 'failed';

export interface UploadFilesOptions {
  readonly concurrency: number;
  /** Files above this size go multipart, in parts of this size (S3 minimum 5 MiB). */
  readonly partSize: number;
  /** Prefixes to list for objects already there (resume); none: every file is sent. */
  readonly resumeUnder: readonly string[];
  readonly signal?: AbortSignal;
  /** After each file, with the time its upload completed (latency starts there). */
  readonly onEach?: (item: UploadItem, outcome: UploadOutcome, at: number) => void;
}

export interface UploadReport {
  readonly files: number;
  readonly uploaded: number;
  readonly skipped: number;
  readonly failed: { key: string; path: string; error: string }[];
  readonly bytes: number;
  readonly seconds: number;
  /** Files sent per second: skipped and failed files are not counted. */
  readonly photosPerSecond: number;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

type Existing = ReadonlyMap<string, { size: number; etag: string | undefined }>;

async function existingObjects(
  clients: PipelineClients,
  bucket: string,
  prefixes: readonly string[],
): Promise<Existing> {
  const lists = await Promise.all(prefixes.map((p) => listObjects(clients.s3, bucket, p)));
  return new Map(
    lists.flat().map((o) => [o.Key ?? '', { size: o.Size ?? -1, etag: unquoteEtag(o.ETag) }]),
  );
}

async function isAlreadyThere(item: UploadItem, existing: Existing, partSize: number) {
  const there = existing.get(item.key);
  if (!there || there.size !== item.size || !there.etag) return false;
  return there.etag === (await expectedEtag(item.path, item.size, partSize));
}

/** One object: a single PutObject up to `partSize`, multipart above it (parts of `partSize`). */
export async function uploadBody(
  clients: PipelineClients,
  bucket: string,
  key: string,
  body: Buffer | Readable,
  partSize: number,
): Promise<void> {
  await new Upload({
    client: clients.s3,
    params: { Bucket: bucket, Key: key, Body: body },
    partSize,
    queueSize: 4,
    leavePartsOnError: false,
  }).done();
}

const put = (clients: PipelineClients, bucket: string, item: UploadItem, partSize: number) =>
  uploadBody(
    clients,
    bucket,
    item.key,
    item.size > partSize ? createReadStream(item.path) : readFileSync(item.path),
    partSize,
  );

export async function uploadFiles(
  clients: PipelineClients,
  bucket: string,
  items: readonly UploadItem[],
  options: UploadFilesOptions,
): Promise<UploadReport> {
  const existing = await existingObjects(clients, bucket, options.resumeUnder);
  const started = Date.now();
  const report = { uploaded: 0, skipped: 0, bytes: 0, failed: [] as UploadReport['failed'] };
  await forEachLimited(items, options.concurrency, async (item) => {
    if (options.signal?.aborted) return;
    let outcome: UploadOutcome = 'uploaded';
    try {
      if (await isAlreadyThere(item, existing, options.partSize)) outcome = 'skipped';
      else await put(clients, bucket, item, options.partSize);
    } catch (error) {
      outcome = 'failed';
      report.failed.push({ key: item.key, path: item.path.toString(), error: messageOf(error) });
    }
    if (outcome === 'uploaded') {
      report.uploaded += 1;
      report.bytes += item.size;
    } else if (outcome === 'skipped') report.skipped += 1;
    options.onEach?.(item, outcome, Date.now());
  });
  const seconds = (Date.now() - started) / 1000;
  return {
    files: items.length,
    ...report,
    seconds,
    photosPerSecond: report.uploaded / Math.max(seconds, 0.001),
  };
}
