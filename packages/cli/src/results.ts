/**
 * `darkroom results [--op …] [--out DIR] [--since …]`: download results to
 * `DIR/output/<op>/<relative key>` (mirroring the bucket) by the operator library's one rule
 * (`ResultWriter`: keys that are not plain paths go under `DIR/unmappable/`, no symbolic link
 * below DIR is followed), skipping files already there with the same size, in parallel.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ResultWriter } from '@darkroom/operator';
import { OPERATIONS, type Operation, outputPrefix } from '@darkroom/pipeline-spec';
import type { CommandContext, CommandResult } from './context.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { forEachLimited } from './pool.ts';
import { listObjects } from './s3-list.ts';

export interface ResultsOptions {
  readonly operations: readonly Operation[];
  readonly out: string;
  /** Only results written at or after this time. */
  readonly since: Date | undefined;
  readonly concurrency: number;
}

export interface ResultsResult {
  readonly out: string;
  readonly downloaded: string[];
  readonly skipped: number;
  /** Keys written under `unmappable/` (not plain paths here), with where and why. */
  readonly remapped: string[];
  readonly failed: { key: string; error: string }[];
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 15m|2h|1d` (ago) or an ISO date. */
export function parseSince(value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) {
    const since = new Date(now - Number(relative[1]) * (UNITS[relative[2] ?? 's'] ?? 1));
    // Before 1970 (or past Date's range) every result is newer: say so rather than mislead.
    if (!(since.getTime() >= 0))
      throw new CliError(
        `--since ${value} reaches before 1970; leave --since out to download every result`,
      );
    return since;
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new CliError(
      `--since must be a duration like 15m, 2h, 1d or an ISO date, received ${JSON.stringify(value)}`,
    );
  return date;
}

/** The operation and key below its output prefix, for a listed result key. */
function resultOf(key: string): { operation: Operation; relativeKey: string } | undefined {
  const operation = OPERATIONS.find((op) => key.startsWith(outputPrefix(op)));
  return operation && { operation, relativeKey: key.slice(outputPrefix(operation).length) };
}

async function body(ctx: CommandContext, key: string): Promise<AsyncIterable<Uint8Array>> {
  const object = await ctx.clients.s3.send(
    new GetObjectCommand({ Bucket: ctx.target.bucket, Key: key }),
  );
  if (!object.Body) throw new Error(`GET ${key} returned no body`);
  return object.Body as AsyncIterable<Uint8Array>;
}

export async function results(
  ctx: CommandContext,
  options: ResultsOptions,
): Promise<CommandResult<ResultsResult>> {
  const listed = await Promise.all(
    options.operations.map((op) =>
      listObjects(ctx.clients.s3, ctx.target.bucket, outputPrefix(op)),
    ),
  );
  const wanted = listed
    .flat()
    .filter(
      (o) =>
        o.Key && (!options.since || (o.LastModified?.getTime() ?? 0) >= options.since.getTime()),
    );
  const writer = new ResultWriter(options.out);
  const remapped: string[] = [];
  const downloaded: string[] = [];
  const failed: ResultsResult['failed'] = [];
  let skipped = 0;
  await forEachLimited(wanted, options.concurrency, async (o) => {
    const key = o.Key ?? '';
    const result = resultOf(key);
    if (!result) return void failed.push({ key, error: 'not under an output prefix' });
    if ((await writer.existingSize(result.operation, result.relativeKey)) === o.Size)
      return void (skipped += 1);
    try {
      const written = await writer.write(result.operation, result.relativeKey, () =>
        body(ctx, key),
      );
      if (written.kind === 'refused') return void failed.push({ key, error: written.reason });
      if (written.kind === 'remapped')
        remapped.push(`${key} → ${written.path} (${written.reason})`);
      downloaded.push(key);
    } catch (error) {
      failed.push({ key, error: (error as Error).message });
    }
  });
  const done: ResultsResult = {
    out: writer.root,
    downloaded: downloaded.sort(),
    skipped,
    remapped: remapped.sort(),
    failed,
  };
  return {
    code: done.failed.length > 0 ? EXIT.attention : EXIT.ok,
    result: done,
    text: `${done.downloaded.length} results downloaded to ${done.out}, ${done.skipped} already there${done.remapped.map((m) => `\n  not a plain path here: ${m}`).join('')}${done.failed.map((f) => `\n  failed ${f.key}: ${f.error}`).join('')}\n`,
  };
}
