/**
 * `darkroom upload DIR --op …`: every file under DIR to `input/<op>/[prefix/]<relative path>`,
 * in parallel, skipping objects already there with the same size and ETag (so an interrupted
 * upload resumes), multipart through @aws-sdk/lib-storage above `partSize`. The files are the
 * operator library's walk (`listLocalFiles`, shared with `npm start`): Latin-1 names kept,
 * dangling links, loops and unreadable folders reported, links followed only when asked.
 */
import { resolve } from 'node:path';
import {
  type SkippedEntry,
  type UploadItem,
  type UploadReport,
  listLocalFiles,
  uploadFiles,
} from '@darkroom/operator';
import { type Operation, inputPrefix } from '@darkroom/pipeline-spec';
import type { CommandContext, CommandResult } from './context.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { createProgress } from './progress.ts';

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

export type PlannedFile = UploadItem;

export interface UploadResult extends UploadReport {
  /** Entries under DIR that were not sent (links not followed, dangling links, loops), with why. */
  readonly notSent: SkippedEntry[];
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
  const progress = createProgress(plan.length, {
    json: ctx.io.json,
    tty: ctx.io.tty,
    write: ctx.io.err,
  });
  const report = await uploadFiles(ctx.clients, ctx.target.bucket, plan, {
    concurrency: options.concurrency,
    partSize: options.partSize,
    resumeUnder: options.operations.map((op) => `${inputPrefix(op)}${options.prefix}`),
    signal: ctx.signal,
    onEach: (_item, outcome) => progress.tick(outcome === 'failed'),
  });
  progress.stop();
  const result: UploadResult = { ...report, notSent };
  return {
    code:
      result.failed.length > 0 || notSent.length > 0 || ctx.signal.aborted
        ? EXIT.attention
        : EXIT.ok,
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
