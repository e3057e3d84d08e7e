/**
 * `darkroom smoke`: the first thing that proves a deployed stack end to end. Uploads real sample
 * photos and one poison file through every operation, waits (bounded) for each result and for the
 * poison's dead letter, checks each result is what its operation makes and the poison's reason,
 * removes everything it made, and exits 2 on anything else.
 */
import { OPERATIONS, type Operation } from '@darkroom/pipeline-spec';
import type { CommandContext, CommandResult } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../table.ts';
import { POISON_BYTES, POISON_CODE, type SmokeItem, smokePlan, smokeRunId } from './plan.ts';
import { fetchObject, putItem, removeRun, resultExists, takeDeadLetters } from './steps.ts';
import { type Box, resultProblem } from './verify.ts';

export interface SmokePhoto {
  readonly name: string;
  readonly bytes: Buffer;
}

export interface SmokeOptions {
  readonly photos: readonly SmokePhoto[];
  readonly thumbnailBox: Box;
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly operations?: readonly Operation[];
}

export interface SmokeCheck {
  readonly operation: Operation;
  readonly name: string;
  readonly ok: boolean;
  /** What was seen, in words: `ok`, the problem with the result, or what never arrived. */
  readonly detail: string;
}

export interface SmokeResult {
  readonly runId: string;
  readonly seconds: number;
  readonly checks: readonly SmokeCheck[];
  readonly removedObjects: number;
}

type Seen = Map<string, { dead?: { code: string; reason: string } }>;

/** Poll until every photo has a result and every poison a dead letter, or the time is up. */
async function waitForOutcomes(
  ctx: CommandContext,
  items: readonly SmokeItem[],
  options: SmokeOptions,
): Promise<Seen> {
  const seen: Seen = new Map();
  const deadline = Date.now() + options.timeoutMs;
  const pending = () => items.filter((i) => !seen.has(i.inputKey));
  while (pending().length > 0 && Date.now() < deadline && !ctx.signal.aborted) {
    for (const item of pending().filter((i) => !i.poison))
      if (await resultExists(ctx, item.outputKey)) seen.set(item.inputKey, {});
    const poisons = pending().filter((i) => i.poison);
    for (const op of new Set(poisons.map((p) => p.operation))) {
      const keys = new Set(poisons.filter((p) => p.operation === op).map((p) => p.inputKey));
      for (const [key, dead] of await takeDeadLetters(ctx, op, keys)) seen.set(key, { dead });
    }
    if (pending().length > 0) await new Promise((r) => setTimeout(r, options.pollMs));
  }
  return seen;
}

async function check(
  ctx: CommandContext,
  item: SmokeItem,
  seen: Seen,
  options: SmokeOptions,
): Promise<SmokeCheck> {
  const base = { operation: item.operation, name: item.name };
  const outcome = seen.get(item.inputKey);
  if (item.poison) {
    if (!outcome?.dead) return { ...base, ok: false, detail: 'never dead-lettered' };
    if (await resultExists(ctx, item.outputKey))
      return { ...base, ok: false, detail: 'a non-image produced a result' };
    const { code, reason } = outcome.dead;
    return code === POISON_CODE
      ? { ...base, ok: true, detail: `dead-lettered: ${code}` }
      : { ...base, ok: false, detail: `dead-lettered as ${code} (${reason}), not ${POISON_CODE}` };
  }
  if (!outcome)
    return { ...base, ok: false, detail: `no result within ${options.timeoutMs / 1000} s` };
  const source = options.photos.find((p) => p.name === item.name)?.bytes ?? Buffer.alloc(0);
  const problem = await resultProblem(
    item.operation,
    source,
    await fetchObject(ctx, item.outputKey),
    options.thumbnailBox,
  );
  return problem
    ? { ...base, ok: false, detail: `result ${problem}` }
    : { ...base, ok: true, detail: 'ok' };
}

export async function smoke(
  ctx: CommandContext,
  options: SmokeOptions,
): Promise<CommandResult<SmokeResult>> {
  const started = Date.now();
  const runId = smokeRunId(started, Math.random);
  const operations = options.operations ?? OPERATIONS;
  const items = smokePlan(
    runId,
    options.photos.map((p) => p.name),
    operations,
  );
  const bytes = (item: SmokeItem) =>
    item.poison
      ? POISON_BYTES
      : (options.photos.find((p) => p.name === item.name)?.bytes ?? POISON_BYTES);
  let checks: SmokeCheck[] = [];
  let removedObjects = 0;
  try {
    ctx.io.err(`smoke ${runId}: ${items.length} uploads to ${ctx.target.label}\n`);
    await Promise.all(items.map((item) => putItem(ctx, item, bytes(item))));
    const seen = await waitForOutcomes(ctx, items, options);
    checks = await Promise.all(items.map((item) => check(ctx, item, seen, options)));
  } finally {
    for (const op of operations) removedObjects += await removeRun(ctx, op, runId);
  }
  const result = {
    runId,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    checks,
    removedObjects,
  };
  const failures = checks.filter((c) => !c.ok);
  const text = `${table(checks.map((c) => [c.ok ? 'PASS' : 'FAIL', c.operation, c.name, c.detail]))}\n${
    failures.length === 0 ? 'smoke passed' : `smoke FAILED: ${failures.length} of ${checks.length}`
  } in ${result.seconds} s (run ${runId}, ${removedObjects} objects removed)\n`;
  return { code: failures.length === 0 ? EXIT.ok : EXIT.attention, result, text };
}
