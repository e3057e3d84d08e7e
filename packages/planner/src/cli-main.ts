/**
 * `npm run plan -- --stack dev --burst 10000 [options]`: the capacity plan of a burst for a stack.
 *
 *   --stack NAME        Pulumi.<NAME>.yaml at the repository root (required)
 *   --burst N           photos in the burst (default 10000)
 *   --mix a,b,c         percent per operation, grayscale,watermark,thumbnail (default 40,40,20)
 *   --arrival D         uploads spread over D: 0s, 60s, 30m (default 0s, all at once)
 *   --photo-mp MP       megapixels per photo (default 6)
 *   --cpu-factor F      CPU time on the target family relative to the bench machine (default 1)
 *   --capacity C        spot | on-demand: which price the cost uses (default spot)
 *   --warm N            start with N warm pods per operation (overrides the stack's minReplicas)
 *   --seed N            first random seed of the delays and controller phases (default 1)
 *   --runs N            seeds to run (default 5); the median-drain run is reported and charted
 *   --compare seed      also replay the original study's strategy through the same model
 *   --target D          search the cheapest settings draining within D (e.g. 180s)
 *   --out DIR           where the summary, chart and JSON go (default plan-out)
 *   --json              print the JSON instead of the text summary
 *
 * Exit code: 0, 2 when --target cannot be met, 1 on bad input.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { timelineSvg } from './chart.ts';
import { loadCostModel } from './costs.ts';
import { loadModelConfig } from './model-config.ts';
import { type PlanInput, type PlanSpread, runPlans } from './plan.ts';
import { type ReportContext, summaryLines, textReport } from './report.ts';
import { type PlanSettings, planSettings, readStack } from './settings.ts';
import type { Capacity } from './simulate.ts';
import { seedStrategies } from './variants.ts';
import { targetReport } from './target-report.ts';
import { parseDuration, parseMix } from './workload.ts';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

function positive(text: string | undefined, flag: string, integer: boolean): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new RangeError(
      `${flag} needs a positive ${integer ? 'integer' : 'number'}, received ${text}`,
    );
  return n;
}

function withWarmPool(settings: PlanSettings, warm: number | undefined): PlanSettings {
  if (warm === undefined) return settings;
  return {
    ...settings,
    operations: settings.operations.map((o) => ({
      ...o,
      minReplicas: warm,
      maxReplicas: Math.max(o.maxReplicas, warm),
    })),
  };
}

const OPTIONS = {
  stack: { type: 'string' },
  burst: { type: 'string', default: '10000' },
  mix: { type: 'string', default: '40,40,20' },
  arrival: { type: 'string', default: '0s' },
  'photo-mp': { type: 'string', default: '6' },
  'cpu-factor': { type: 'string', default: '1' },
  capacity: { type: 'string', default: 'spot' },
  warm: { type: 'string' },
  seed: { type: 'string', default: '1' },
  runs: { type: 'string', default: '5' },
  compare: { type: 'string' },
  target: { type: 'string' },
  out: { type: 'string', default: 'plan-out' },
  json: { type: 'boolean', default: false },
} as const;

/** Parse the flags into a plan input and the report context. */
export function parseCli(argv: readonly string[]): {
  input: PlanInput;
  ctx: ReportContext;
  compare: boolean;
  runs: number;
  targetSeconds: number | undefined;
  out: string;
  json: boolean;
} {
  const { values: a } = parseArgs({ args: [...argv], options: OPTIONS, strict: true });
  if (!a.stack) throw new RangeError('--stack is required (e.g. --stack dev)');
  if (a.capacity !== 'spot' && a.capacity !== 'on-demand')
    throw new RangeError(`--capacity must be spot or on-demand, received ${a.capacity}`);
  if (a.compare !== undefined && a.compare !== 'seed')
    throw new RangeError(`--compare supports only "seed", received ${a.compare}`);
  const stack = readStack(a.stack);
  const cpuFactor = positive(a['cpu-factor'], '--cpu-factor', false);
  const warm = a.warm === undefined ? undefined : Number(a.warm);
  if (warm !== undefined && !(Number.isInteger(warm) && warm >= 0 && warm <= 100))
    throw new RangeError(`--warm needs an integer 0–100, received ${a.warm}`);
  const workload = {
    burst: positive(a.burst, '--burst', true),
    mix: parseMix(a.mix),
    arrivalSeconds: parseDuration(a.arrival, '--arrival'),
    megapixels: positive(a['photo-mp'], '--photo-mp', false),
  };
  const costs = loadCostModel(cpuFactor);
  const settings = withWarmPool(planSettings(stack), warm);
  const input: PlanInput = {
    settings,
    model: loadModelConfig(),
    costs,
    workload,
    capacity: a.capacity satisfies Capacity,
    seed: positive(a.seed, '--seed', true),
  };
  return {
    input,
    ctx: { stack: a.stack, region: stack.region, settings, workload, costs, cpuFactor },
    compare: a.compare === 'seed',
    runs: positive(a.runs, '--runs', true),
    targetSeconds: a.target === undefined ? undefined : parseDuration(a.target, '--target'),
    out: resolve(a.out),
    json: a.json,
  };
}

function spreadLine(s: PlanSpread): string {
  const r = (x: { min: number; max: number }, d: number) =>
    `${x.min.toFixed(d)}–${x.max.toFixed(d)}`;
  return `Over ${s.runs.length} seeds (the median-drain run above): drain ${r(s.drainSeconds, 0)} s, node-minutes ${r(s.nodeMinutes, 1)}, cost $${r(s.cost, 2)}`;
}

/** Run the CLI; returns the exit code. */
export function runCli(argv: readonly string[], io: CliIo): number {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    io.stderr(`plan: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const { input, ctx, out } = parsed;
  const spread = runPlans(input, parsed.runs);
  const plan = spread.median;
  const base = join(out, `${ctx.stack}-${input.workload.burst}`);
  const files = { text: `${base}.txt`, svg: `${base}.svg`, json: `${base}.json` };
  const seed = parsed.compare
    ? seedStrategies(input.model).map((s) => ({
        label: s.label,
        spread: runPlans({ ...input, ...s }, parsed.runs),
      }))
    : [];
  let text = `${textReport(ctx, plan.summary)}${spreadLine(spread)}\n`;
  for (const s of seed)
    text += `\n${s.label}:\n${[...summaryLines(s.spread.median.summary), spreadLine(s.spread)]
      .map((l) => `  ${l}`)
      .join('\n')}\n`;
  let exitCode = 0;
  let target: unknown;
  if (parsed.targetSeconds !== undefined) {
    const result = targetReport(input, ctx, parsed.targetSeconds);
    text += `\n${result.text}`;
    target = result.json;
    if (!result.met) exitCode = 2;
  }
  const json = {
    stack: ctx.stack,
    workload: input.workload,
    settings: input.settings,
    costs: {
      measuredAt: input.costs.measuredAt,
      machine: input.costs.machine,
      cpuFactor: ctx.cpuFactor,
    },
    summary: plan.summary,
    runs: spread.runs.map((r) => r.summary),
    milestones: plan.outcome.milestones,
    timeline: plan.outcome.samples,
    compare: seed.map((s) => ({
      label: s.label,
      summary: s.spread.median.summary,
      runs: s.spread.runs.map((r) => r.summary),
    })),
    target,
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(files.text, text);
  writeFileSync(
    files.svg,
    timelineSvg(
      `Darkroom plan — ${ctx.stack}, ${input.workload.burst} photos`,
      plan.outcome.samples,
    ),
  );
  writeFileSync(files.json, `${JSON.stringify(json, null, 2)}\n`);
  io.stdout(
    parsed.json
      ? `${JSON.stringify(json, null, 2)}\n`
      : `${text}\nWritten: ${files.text}, ${files.svg}, ${files.json}\n`,
  );
  return exitCode;
}
