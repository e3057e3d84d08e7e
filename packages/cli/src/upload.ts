/**
 * `darkroom upload DIR --op …`: every file under DIR to `input/<op>/[prefix/]<relative path>`,
 * in parallel, skipping objects already there with the same size and ETag (so an interrupted
 * upload resumes), multipart through @aws-sdk/lib-storage above `partSize`. The files are the
 * operator library's walk (`listLocalFiles`, shared with `npm start`): Latin-1 names kept,
 * dangling links, loops and unreadable folders reported, links followed only when asked.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import { type SkippedEntry, listLocalFiles } from '@darkroom/operator';
import { type Operation, inputPrefix } from '@darkroom/pipeline-spec';
import type { CommandContext, CommandResult } from './context.ts';
import { expectedEtag, unquoteEtag } from './etag.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { forEachLimited } from './pool.ts';
import { createProgress } from './progress.ts';
import { listObjects } from './s3-list.ts';

export interface UploadOptions {
  readonly dir: string;
  readonly operations: readonly Operation[];
  /** Normalised: '' or ending in '/'. */
  readonly prefix: string;
  readonly concurrency: number;
  /** Files above this size go multipart, in parts of this size (S3 minimum 5 MiB). */
  readonly partSize: number;
  /** Upload what symbolic links point to (else each link is reported and left out). */
  readonly followSymlinks: boolean;
}

export interface PlannedFile {
  /** Bytes: a Latin-1 name opens as the file system has it. */
  readonly path: Buffer;
  readonly size: number;
  readonly key: string;
}

export interface UploadResult {
  readonly files: number;
  readonly uploaded: number;
  readonly skipped: number;
  readonly failed: { key: string; path: string; error: string }[];
  /** Entries under DIR that were not sent (links not followed, dangling links, loops), with why. */
  readonly notSent: SkippedEntry[];
  readonly bytes: number;
  readonly seconds: number;
  readonly photosPerSecond: number;
}

/** One upload per file and operation; keys keep the relative path verbatim (spaces, `+`, unicode). */
export function planUploads(
  dir: string,
  operations: readonly Operation[],
  prefix: string,
  followSymlinks: boolean,
): { plan: PlannedFile[]; notSent: SkippedEntry[] } {
  let listed: ReturnType<typeof listLocalFiles>;
  try {
    listed = listLocalFiles(resolve(dir), { followSymlinks });
  } catch (error) {
    throw new CliError(`cannot read ${dir}: ${(error as Error).message}`);
  }
  const plan = operations.flatMap((op) =>
    listed.files.map((f) => ({
      path: f.path,
      size: f.size,
      key: `${inputPrefix(op)}${prefix}${f.relativeKey}`,
    })),
  );
  return { plan, notSent: listed.skipped };
}

async function isAlreadyUploaded(
  file: PlannedFile,
  existing: Map<string, { size: number; etag: string | undefined }>,
  partSize: number,
): Promise<boolean> {
  const there = existing.get(file.key);
  if (!there || there.size !== file.size || !there.etag) return false;
  return there.etag === (await expectedEtag(file.path, file.size, partSize));
}

async function existingObjects(
  ctx: CommandContext,
  options: UploadOptions,
): Promise<Map<string, { size: number; etag: string | undefined }>> {
  const lists = await Promise.all(
    options.operations.map((op) =>
      listObjects(ctx.clients.s3, ctx.target.bucket, `${inputPrefix(op)}${options.prefix}`),
    ),
  );
  return new Map(
    lists.flat().map((o) => [o.Key ?? '', { size: o.Size ?? -1, etag: unquoteEtag(o.ETag) }]),
  );
}

async function putFile(ctx: CommandContext, file: PlannedFile, partSize: number): Promise<void> {
  const body = file.size > partSize ? createReadStream(file.path) : readFileSync(file.path);
  await new Upload({
    client: ctx.clients.s3,
    params: { Bucket: ctx.target.bucket, Key: file.key, Body: body },
    partSize,
    queueSize: 4,
    leavePartsOnError: false,
  }).done();
}

export async function upload(
  ctx: CommandContext,
  options: UploadOptions,
): Promise<CommandResult<UploadResult>> {
  const { plan, notSent } = planUploads(
    options.dir,
    options.operations,
    options.prefix,
    options.followSymlinks,
  );
  if (plan.length === 0 && notSent.length === 0)
    throw new CliError(`no files under ${options.dir}`);
  const existing = await existingObjects(ctx, options);
  const started = Date.now();
  const progress = createProgress(plan.length, {
    json: ctx.io.json,
    tty: ctx.io.tty,
    write: ctx.io.err,
  });
  let uploaded = 0;
  let skipped = 0;
  let bytes = 0;
  const failed: UploadResult['failed'] = [];
  await forEachLimited(plan, options.concurrency, async (file) => {
    if (ctx.signal.aborted) return;
    try {
      if (await isAlreadyUploaded(file, existing, options.partSize)) skipped += 1;
      else {
        await putFile(ctx, file, options.partSize);
        uploaded += 1;
        bytes += file.size;
      }
      progress.tick(false);
    } catch (error) {
      failed.push({ key: file.key, path: file.path.toString(), error: (error as Error).message });
      progress.tick(true);
    }
  });
  progress.stop();
  const seconds = (Date.now() - started) / 1000;
  const result: UploadResult = {
    files: plan.length,
    uploaded,
    skipped,
    failed,
    notSent,
    bytes,
    seconds,
    photosPerSecond: uploaded / Math.max(seconds, 0.001),
  };
  return {
    code: failed.length > 0 || notSent.length > 0 || ctx.signal.aborted ? EXIT.attention : EXIT.ok,
    result,
    text: uploadText(result, ctx.target.bucket),
  };
}

function uploadText(r: UploadResult, bucket: string): string {
  const lines = [
    `${r.uploaded} uploaded, ${r.skipped} already there (same size and ETag), ${r.failed.length} failed, to s3://${bucket}`,
    `${(r.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(1)} s: ${r.photosPerSecond.toFixed(1)} photos/s`,
    ...r.failed.map((f) => `  failed ${f.key}: ${f.error}`),
    ...r.notSent.map((n) => `  not sent ${n.relativeKey}: ${n.reason}`),
  ];
  return `${lines.join('\n')}\n`;
}
