/**
 * `darkroom results [--op …] [--out DIR] [--since …]`: download results to
 * `DIR/output/<op>/<relative key>` (mirroring the bucket) by the operator library's one rule
 * (`ResultWriter`: keys that are not plain paths go under `DIR/unmappable/`, no symbolic link
 * below DIR is followed), skipping files already there with the same bytes, in parallel.
 */
import { type DownloadNote, downloadResults } from '@darkroom/operator';
import { type Operation, outputPrefix } from '@darkroom/pipeline-spec';
import type { CommandContext, CommandResult } from './context.ts';
import { CliError, EXIT } from './exit-codes.ts';

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

const fullKey = (note: DownloadNote) => `${outputPrefix(note.operation)}${note.key}`;

export async function results(
  ctx: CommandContext,
  options: ResultsOptions,
): Promise<CommandResult<ResultsResult>> {
  const report = await downloadResults(ctx.clients, ctx.target.bucket, {
    operations: options.operations,
    out: options.out,
    concurrency: options.concurrency,
    ...(options.since ? { since: options.since } : {}),
  });
  const done: ResultsResult = {
    out: report.out,
    downloaded: report.written,
    skipped: report.unchanged,
    remapped: report.remapped.map((n) => `${fullKey(n)} → ${n.path} (${n.reason})`).sort(),
    failed: [...report.refused, ...report.failed].map((n) => ({
      key: fullKey(n),
      error: n.reason,
    })),
  };
  return {
    code: done.failed.length > 0 ? EXIT.attention : EXIT.ok,
    result: done,
    text: `${done.downloaded.length} results downloaded to ${done.out}, ${done.skipped} already there${done.remapped.map((m) => `\n  not a plain path here: ${m}`).join('')}${done.failed.map((f) => `\n  failed ${f.key}: ${f.error}`).join('')}\n`,
  };
}
