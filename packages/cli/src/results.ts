/**
 * `darkroom results [--op …] [--out DIR] [--since …]`: download results to DIR/<key> (so
 * `output/<op>/<relative key>`, mirroring the bucket), skipping files already there with the
 * same size, in parallel.
 */
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { type Operation, outputPrefix } from '@darkroom/pipeline-spec';
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
  readonly failed: { key: string; error: string }[];
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 15m|2h|1d` (ago) or an ISO date. */
export function parseSince(value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) return new Date(now - Number(relative[1]) * (UNITS[relative[2] ?? 's'] ?? 1));
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new CliError(
      `--since must be a duration like 15m, 2h, 1d or an ISO date, received ${JSON.stringify(value)}`,
    );
  return date;
}

/** Where a key lands under `out`; refuses keys that would escape it (`..` segments). */
export function localPathOf(out: string, key: string): string | undefined {
  const root = resolve(out);
  const path = resolve(root, ...key.split('/'));
  return path.startsWith(root + sep) ? path : undefined;
}

const sizeOf = (path: string): number | undefined => {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
};

async function download(ctx: CommandContext, key: string, path: string): Promise<void> {
  const object = await ctx.clients.s3.send(
    new GetObjectCommand({ Bucket: ctx.target.bucket, Key: key }),
  );
  mkdirSync(dirname(path), { recursive: true });
  await pipeline(object.Body as Readable, createWriteStream(path));
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
  const r: ResultsResult = { out: resolve(options.out), downloaded: [], skipped: 0, failed: [] };
  const skipped = { count: 0 };
  await forEachLimited(wanted, options.concurrency, async (o) => {
    const key = o.Key ?? '';
    const path = localPathOf(options.out, key);
    if (!path) return void r.failed.push({ key, error: 'key would escape the output folder' });
    if (sizeOf(path) === o.Size) return void (skipped.count += 1);
    try {
      await download(ctx, key, path);
      r.downloaded.push(key);
    } catch (error) {
      r.failed.push({ key, error: (error as Error).message });
    }
  });
  const done = { ...r, skipped: skipped.count, downloaded: r.downloaded.sort() };
  return {
    code: done.failed.length > 0 ? EXIT.attention : EXIT.ok,
    result: done,
    text: `${done.downloaded.length} results downloaded to ${done.out}, ${done.skipped} already there${done.failed.map((f) => `\n  failed ${f.key}: ${f.error}`).join('')}\n`,
  };
}
