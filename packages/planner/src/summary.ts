/** The numbers a plan reports: drain time, latency percentiles, node-minutes and cost. */
import type { ModelConfig } from './model-config.ts';
import type { Capacity, Sample, SimOutcome } from './simulate.ts';
import type { Workload } from './workload.ts';

export interface PlanSummary {
  readonly drained: boolean;
  readonly drainSeconds: number;
  readonly latencySeconds: { readonly p50: number; readonly p95: number; readonly max: number };
  /** Most pods requested at once (running or not). */
  readonly peakPods: number;
  readonly peakReadyPods: number;
  readonly peakNodes: number;
  readonly nodeMinutes: number;
  readonly nodeTypes: Readonly<Record<string, number>>;
  readonly cost: {
    readonly capacity: Capacity;
    readonly nodes: number;
    readonly nodesOnDemand: number;
    readonly nodesSpot: number;
    readonly s3Requests: number;
    readonly sqsRequests: number;
    readonly natGateway: number;
    readonly total: number;
    readonly perThousandPhotos: number;
    readonly pricesAsOf: string;
  };
  readonly settledSeconds: number;
  readonly notes: readonly string[];
}

/** Nearest-rank percentile of an unsorted list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    Number.NaN
  );
}

function peak(samples: readonly Sample[], f: (s: Sample) => number): number {
  return samples.reduce((m, s) => Math.max(m, f(s)), 0);
}

/** EC2 bills Linux instances per second with a 60-second minimum. */
function billedSeconds(seconds: number): number {
  return Math.max(60, seconds);
}

export function summarise(
  outcome: SimOutcome,
  workload: Workload,
  model: ModelConfig,
  capacity: Capacity,
  pollingIntervalSeconds: number,
  s3GatewayEndpoint: boolean,
): PlanSummary {
  const prices = new Map(model.prices.instanceTypes.map((t) => [t.name, t]));
  let onDemand = 0;
  let spot = 0;
  let nodeSeconds = 0;
  const nodeTypes: Record<string, number> = {};
  for (const n of outcome.nodes) {
    const seconds = n.terminatedAt - n.requestedAt;
    const price = prices.get(n.type);
    nodeSeconds += seconds;
    nodeTypes[n.type] = (nodeTypes[n.type] ?? 0) + 1;
    onDemand += ((price?.onDemandHourly ?? 0) * billedSeconds(seconds)) / 3600;
    spot += ((price?.spotHourly ?? 0) * billedSeconds(seconds)) / 3600;
  }
  const p = model.prices;
  const photos = workload.burst;
  const s3 =
    photos *
    ((model.perPhoto.s3Puts * p.s3PutPer1000) / 1000 +
      (model.perPhoto.s3Gets * p.s3GetPer1000) / 1000);
  // KEDA reads each of the three queues' attributes once per polling interval.
  const kedaPolls = (3 * outcome.endSeconds) / pollingIntervalSeconds;
  const sqs = ((photos * model.perPhoto.sqsRequests + kedaPolls) * p.sqsPerMillionRequests) / 1e6;
  // Sources and results are S3 traffic: through the gateway endpoint, none of it is NAT's.
  const nat = s3GatewayEndpoint
    ? 0
    : ((photos * workload.megapixels * model.perPhoto.natTrafficMBPerMegapixel) / 1024) *
      p.natGatewayPerGB;
  const nodes = capacity === 'spot' ? spot : onDemand;
  const total = nodes + s3 + sqs + nat;
  const drained = outcome.latencies.length === photos;
  return {
    drained,
    drainSeconds: drained ? outcome.drainSeconds : Number.POSITIVE_INFINITY,
    latencySeconds: {
      p50: percentile(outcome.latencies, 50),
      p95: percentile(outcome.latencies, 95),
      max: percentile(outcome.latencies, 100),
    },
    peakPods: peak(
      outcome.samples,
      (s) => Object.values(s.pods).reduce((a, b) => a + b, 0) + s.podsNotReady,
    ),
    peakReadyPods: peak(outcome.samples, (s) => Object.values(s.pods).reduce((a, b) => a + b, 0)),
    peakNodes: peak(outcome.samples, (s) => s.nodesReady + s.nodesLaunching),
    nodeMinutes: nodeSeconds / 60,
    nodeTypes,
    cost: {
      capacity,
      nodes,
      nodesOnDemand: onDemand,
      nodesSpot: spot,
      s3Requests: s3,
      sqsRequests: sqs,
      natGateway: nat,
      total,
      perThousandPhotos: (total / photos) * 1000,
      pricesAsOf: p.asOf,
    },
    settledSeconds: outcome.endSeconds,
    notes: outcome.notes,
  };
}
