/**
 * The `--target` answer: the settings found, the stack-file change (checked with infra's schema),
 * the pipeline-spec constants it needs, and, when the target is out of reach, where the time goes.
 */
import { OPERATIONS } from '@darkroom/pipeline-spec';
import { parseStackConfig } from '@darkroom/infra/config';
import type { PlanInput } from './plan.ts';
import type { ReportContext } from './report.ts';
import { readRawStack } from './settings.ts';
import type { Milestone, SimOutcome } from './simulate.ts';
import { type Candidate, SEARCH_RUNS, searchTarget } from './target.ts';
import { type Overrides, describeChange, maxReplicasFor } from './variants.ts';

const STEPS: readonly [Milestone, string][] = [
  ['firstMessageVisible', 'first S3 event in SQS'],
  ['firstScaleFromZero', 'KEDA scales from zero'],
  ['firstNodeRequested', 'Karpenter requests the first node'],
  ['firstNodeReady', 'first node Ready'],
  ['firstPodReady', 'first pod Ready (image pulled, started)'],
  ['firstPhotoDone', 'first photo done'],
];

/** The chain's milestones, one line each: what the drain time is made of. */
export function criticalPath(outcome: SimOutcome, drainSeconds: number): string[] {
  const steps = STEPS.flatMap(([m, label]) => {
    const at = outcome.milestones[m];
    return at === undefined ? [] : [{ at, label }];
  });
  steps.push({ at: drainSeconds, label: 'last photo done' });
  return steps
    .sort((a, b) => a.at - b.at)
    .map((s) => `  ${s.at.toFixed(1).padStart(7)} s  ${s.label}`);
}

/** Validate the proposed stack values with infra's own schema; returns its error when they fail. */
export function checkStackChange(
  stack: string,
  o: Overrides,
  input: PlanInput,
): string | undefined {
  const raw = readRawStack(stack);
  const obj = (v: unknown) => (v !== null && typeof v === 'object' ? v : {});
  const merged = {
    ...raw,
    keda: {
      ...obj(raw['keda']),
      pollingIntervalSeconds: o.pollingIntervalSeconds,
      cooldownPeriodSeconds: o.cooldownPeriodSeconds,
    },
    karpenter: {
      ...obj(raw['karpenter']),
      cpuLimit: String(o.cpuLimit),
      consolidateAfter: `${o.consolidateAfterSeconds}s`,
    },
    workers: Object.fromEntries(
      OPERATIONS.map((op) => [
        op,
        {
          minReplicas: o.minReplicas,
          maxReplicas: maxReplicasFor(input.settings, o, input.workload, op),
        },
      ]),
    ),
  };
  try {
    parseStackConfig(merged);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function candidateLine(label: string, c: Candidate): string {
  const s = c.plan.summary;
  return `${label}: drain ${Math.round(s.drainSeconds)} s median, ${Math.round(c.worstDrainSeconds)} s worst of ${SEARCH_RUNS} seeds; ${s.nodeMinutes.toFixed(1)} node-minutes, burst $${c.meanCost.toFixed(2)} + warm pool $${c.warmPoolPerDay.toFixed(2)}/day`;
}

export function targetReport(
  input: PlanInput,
  ctx: ReportContext,
  targetSeconds: number,
): { text: string; json: unknown; met: boolean } {
  const { start, best, evaluated } = searchTarget(input, targetSeconds);
  const met = best.worstDrainSeconds <= targetSeconds;
  const change = describeChange(input.settings, best.overrides, input.workload);
  const invalid = checkStackChange(ctx.stack, best.overrides, input);
  const lines = [
    `Target: drain within ${targetSeconds} s — ${met ? 'met' : 'NOT met'} (${evaluated} settings modelled)`,
    candidateLine('  stack as is', start),
    candidateLine(met ? '  cheapest meeting it' : '  fastest found', best),
    `  Where the time goes (${met ? 'cheapest' : 'fastest'} settings):`,
    ...criticalPath(best.plan.outcome, best.plan.summary.drainSeconds),
    ...best.plan.summary.notes.map((n) => `  Limit: ${n}`),
    `  Pulumi.${ctx.stack}.yaml (config:):`,
    ...change.stackYaml.map((l) => `  ${l}`),
    invalid
      ? `  (infra's schema rejects this change: ${invalid})`
      : "  (checked with infra's schema)",
    change.spec.length > 0
      ? `  pipeline-spec constants (not stack settings; they apply to every stack): ${change.spec.join('; ')}`
      : '  no pipeline-spec change needed',
    '',
  ];
  return {
    text: lines.join('\n'),
    json: {
      targetSeconds,
      met,
      evaluated,
      start: {
        overrides: start.overrides,
        summary: start.plan.summary,
        worstDrainSeconds: start.worstDrainSeconds,
      },
      best: {
        overrides: best.overrides,
        summary: best.plan.summary,
        worstDrainSeconds: best.worstDrainSeconds,
        warmPoolPerDay: best.warmPoolPerDay,
        milestones: best.plan.outcome.milestones,
      },
      stackChange: change.stackYaml,
      specChange: change.spec,
      schemaError: invalid,
    },
    met,
  };
}
