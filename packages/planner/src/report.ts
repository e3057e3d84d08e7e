/** The plan as text (what `npm run plan` prints) and as JSON (`--json`). */
import { OPERATIONS } from '@darkroom/pipeline-spec';
import type { CostModel } from './costs.ts';
import type { PlanSettings } from './settings.ts';
import type { PlanSummary } from './summary.ts';
import type { Workload } from './workload.ts';

export interface ReportContext {
  readonly stack: string;
  readonly region: string;
  readonly settings: PlanSettings;
  readonly workload: Workload;
  readonly costs: CostModel;
  readonly cpuFactor: number;
}

const usd = (n: number) => `$${n < 1 ? n.toFixed(3) : n.toFixed(2)}`;
const sec = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} s` : 'never');

export function describeWorkload(w: Workload): string {
  const mix = OPERATIONS.map((op) => `${op} ${w.mix[op]} %`).join(' / ');
  return `${w.burst.toLocaleString('en-US')} photos (${mix}), ${w.megapixels} MP, uploaded over ${w.arrivalSeconds} s`;
}

export function describeSettings(s: PlanSettings): string[] {
  const ops = s.operations.map(
    (o) =>
      `  ${o.operation}: replicas ${o.minReplicas}–${o.maxReplicas}, queueLength ${o.queueLength}, active above ${o.activationQueueLength}${o.scaleOnInFlight ? ' (visible + in flight)' : ''}${o.cpuTarget === undefined ? '' : `, cpu ${Math.round(o.cpuTarget * 100)} %`}, scale-up ${o.behavior.scaleUp.policies.map((p) => `${p.value}${p.type === 'Percent' ? ' %' : ' pods'}/${p.periodSeconds} s`).join(' or ')}, scale-down window ${o.behavior.scaleDown.stabilizationWindowSeconds} s`,
  );
  return [
    `KEDA polling ${s.pollingIntervalSeconds} s, cooldown ${s.cooldownPeriodSeconds} s; pod ${s.pod.cpu} vCPU / ${s.pod.memoryGiB} GiB, ${s.pod.concurrency} photos in flight; NodePool limit ${s.nodePool.cpuLimit} vCPU, consolidateAfter ${s.nodePool.consolidateAfterSeconds} s`,
    ...ops,
  ];
}

export function costLines(ctx: ReportContext): string[] {
  return OPERATIONS.map((op) => {
    const c = ctx.costs.photoCost(op, ctx.workload.megapixels);
    return `  ${op}: ${(c.opCpuSeconds * 1000).toFixed(1)} ms CPU + ${(c.overheadCpuSeconds * 1000).toFixed(1)} ms worker CPU (local emulator wait ${(c.ioSeconds * 1000).toFixed(0)} ms; the model uses the cloud's, config timings.cloudIoSecondsPerPhoto)`;
  });
}

export function summaryLines(s: PlanSummary): string[] {
  const types = Object.entries(s.nodeTypes)
    .map(([t, n]) => `${t} × ${n}`)
    .join(', ');
  const c = s.cost;
  return [
    `Drain time: ${sec(s.drainSeconds)}${s.drained ? '' : ' (the burst never drained)'}`,
    `Photo latency: p50 ${sec(s.latencySeconds.p50)}, p95 ${sec(s.latencySeconds.p95)}, max ${sec(s.latencySeconds.max)}`,
    `Peak: ${s.peakPods} worker pods requested, ${s.peakReadyPods} running; ${s.peakNodes} worker nodes (${types || 'none'})`,
    `Node-minutes: ${s.nodeMinutes.toFixed(1)} (until the cluster is back at its floor, ${sec(s.settledSeconds)})`,
    `Cost (${c.capacity}, prices as of ${c.pricesAsOf}): nodes ${usd(c.nodes)} (spot ${usd(c.nodesSpot)}, on-demand ${usd(c.nodesOnDemand)}), S3 requests ${usd(c.s3Requests)}, SQS ${usd(c.sqsRequests)}, NAT gateway ${usd(c.natGateway)} → ${usd(c.total)} (${usd(c.perThousandPhotos)} per 1,000 photos)`,
    ...s.notes.map((n) => `Limit: ${n}`),
  ];
}

export function textReport(ctx: ReportContext, s: PlanSummary): string {
  return [
    `Darkroom capacity plan — stack ${ctx.stack} (${ctx.region}): ${describeWorkload(ctx.workload)}`,
    `Settings (Pulumi.${ctx.stack}.yaml through infra's schema and ScaledObject):`,
    ...describeSettings(ctx.settings).map((l) => `  ${l}`),
    `Per-photo cost (benches of ${ctx.costs.measuredAt.imageOps.slice(0, 10)} on ${ctx.costs.machine}, --cpu-factor ${ctx.cpuFactor}):`,
    ...costLines(ctx),
    '',
    ...summaryLines(s),
    '',
  ].join('\n');
}
