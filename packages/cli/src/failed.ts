/** `darkroom failed [--op …]`: dead-lettered photos with their error code and reason, grouped by code. */
import { type DeadLetter, readDeadLetters } from '@darkroom/operator';
import type { Operation } from '@darkroom/pipeline-spec';
import type { CommandContext, CommandResult } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { table } from './table.ts';

export interface FailedResult {
  readonly total: number;
  readonly byCode: { code: string; count: number; photos: DeadLetter[] }[];
}

export function groupByCode(letters: readonly DeadLetter[]): FailedResult['byCode'] {
  const groups = new Map<string, DeadLetter[]>();
  for (const l of letters) groups.set(l.code, [...(groups.get(l.code) ?? []), l]);
  return [...groups]
    .map(([code, photos]) => ({ code, count: photos.length, photos }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

export async function failed(
  ctx: CommandContext,
  operations: readonly Operation[],
): Promise<CommandResult<FailedResult>> {
  const letters = (
    await Promise.all(
      operations.map((op) => readDeadLetters(ctx.clients.sqs, ctx.target.queues[op], op)),
    )
  ).flat();
  const byCode = groupByCode(letters);
  const text =
    letters.length === 0
      ? 'no dead-lettered photos\n'
      : byCode
          .map(
            (g) =>
              `${g.code} (${g.count})\n${table(g.photos.map((p) => ['  ' + p.operation, p.key, p.reason]))}\n`,
          )
          .join('\n');
  return {
    code: letters.length > 0 ? EXIT.attention : EXIT.ok,
    result: { total: letters.length, byCode },
    text,
  };
}
