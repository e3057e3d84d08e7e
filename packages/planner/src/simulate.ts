/**
 * The discrete-event model of a burst: S3 event delay → SQS per operation → KEDA (0 ↔ 1) and the
 * HPA (1 ↔ N) → pending pods → Karpenter batching and node launch → image pull and start →
 * processing at the measured per-photo cost → scale-down and consolidation.
 */
import { OPERATIONS, type Operation } from '@darkroom/pipeline-spec';
import { Cluster, type Node, type Pod } from './cluster.ts';
import type { CostModel } from './costs.ts';
import { EventQueue } from './event-queue.ts';
import {
  type Behavior,
  type Recommendation,
  type ScaleEvent,
  cpuUtilizationDesired,
  externalAverageValueDesired,
  hpaStep,
} from './hpa.ts';
import {
  type BatchWindow,
  type InstanceType,
  allocatableCpu,
  extendBatch,
  planNodes,
} from './karpenter.ts';
import { isActive, kedaZeroDecision, sqsMetric } from './keda.ts';
import type { ModelConfig } from './model-config.ts';
import { type Random, seededRandom, triangular } from './random.ts';
import type { OperationSettings, PlanSettings } from './settings.ts';
import { type Workload, uploads } from './workload.ts';

export type Capacity = 'spot' | 'on-demand';

/** How replicas are decided: Darkroom's KEDA ScaledObject, or a CPU-only HPA (the original study). */
export type Scaler =
  | { readonly kind: 'keda' }
  | { readonly kind: 'cpu-hpa'; readonly cpuTarget: number; readonly behavior: Behavior };

/** How nodes arrive: Karpenter, or one node per CloudWatch alarm step (the original study). */
export type Provisioner =
  | { readonly kind: 'karpenter' }
  | {
      readonly kind: 'alarm-steps';
      readonly stepSeconds: { readonly min: number; readonly max: number };
      readonly instanceType: InstanceType;
      readonly scaleInEmptySeconds: number;
    };

export interface SimInput {
  readonly settings: PlanSettings;
  readonly model: ModelConfig;
  readonly costs: CostModel;
  readonly workload: Workload;
  readonly capacity: Capacity;
  readonly seed: number;
  readonly scaler?: Scaler;
  readonly provisioner?: Provisioner;
}

export interface Sample {
  readonly t: number;
  readonly pods: Readonly<Record<Operation, number>>;
  readonly podsNotReady: number;
  readonly nodesReady: number;
  readonly nodesLaunching: number;
  readonly backlog: number;
}

export interface NodeRecord {
  readonly type: string;
  readonly requestedAt: number;
  readonly readyAt: number;
  readonly terminatedAt: number;
}

export interface SimOutcome {
  readonly latencies: number[];
  readonly drainSeconds: number;
  readonly endSeconds: number;
  readonly samples: Sample[];
  readonly nodes: NodeRecord[];
  readonly notes: string[];
  /** When each step of the chain first happened (s); absent when it never did. */
  readonly milestones: Partial<Record<Milestone, number>>;
}

export type Milestone =
  | 'firstMessageVisible'
  | 'firstScaleFromZero'
  | 'firstNodeRequested'
  | 'firstNodeReady'
  | 'firstPodReady'
  | 'firstPhotoDone';

type Event =
  | { readonly kind: 'visible'; readonly op: Operation; readonly uploadedAt: number }
  | { readonly kind: 'done'; readonly pod: Pod; readonly uploadedAt: number }
  | { readonly kind: 'keda' | 'hpa'; readonly op: Operation }
  | { readonly kind: 'batch' | 'sample' | 'alarm' }
  | { readonly kind: 'nodeReady'; readonly node: Node }
  | { readonly kind: 'podReady'; readonly pod: Pod }
  | { readonly kind: 'consolidate'; readonly node: Node; readonly since: number };

interface OpState {
  readonly s: OperationSettings;
  readonly queue: number[];
  head: number;
  inFlight: number;
  replicas: number;
  lastActiveAt: number | undefined;
  readonly history: Recommendation[];
  readonly up: ScaleEvent[];
  readonly down: ScaleEvent[];
  /** CPU seconds of one photo in a slot (stretched when slots outnumber cores). */
  readonly cpuSeconds: number;
  /** CPU cores one busy slot uses on average. */
  readonly coresPerBusySlot: number;
}

const SAMPLE_SECONDS = 5;
const MAX_TAIL_SECONDS = 6 * 3600;

export class Simulation {
  private readonly events = new EventQueue<Event>();
  private readonly random: Random;
  private readonly cluster: Cluster;
  private readonly ops: Map<Operation, OpState>;
  private readonly scaler: Scaler;
  private readonly provisioner: Provisioner;
  private readonly types: InstanceType[];
  private window: BatchWindow | undefined;
  private alarmInFlight = false;
  private now = 0;
  private remaining: number;
  private lastDone = 0;
  private readonly latencies: number[] = [];
  private readonly samples: Sample[] = [];
  private readonly notes = new Set<string>();
  private readonly milestones: Partial<Record<Milestone, number>> = {};
  private peakCpuUtilization = 0;
  private readonly input: SimInput;

  constructor(input: SimInput) {
    this.input = input;
    this.random = seededRandom(input.seed);
    this.scaler = input.scaler ?? { kind: 'keda' };
    this.provisioner = input.provisioner ?? { kind: 'karpenter' };
    const overhead = input.model.karpenter.nodeOverhead;
    this.cluster = new Cluster(input.settings.pod.cpu, (t) =>
      allocatableCpu(t.vcpu, overhead.daemonSetCpu),
    );
    this.types = compatibleTypes(input);
    this.ops = new Map(input.settings.operations.map((s) => [s.operation, this.opState(s)]));
    this.remaining = input.workload.burst;
  }

  private opState(s: OperationSettings): OpState {
    const { pod } = this.input.settings;
    const cost = this.input.costs.photoCost(s.operation, this.input.workload.megapixels);
    const stretch = Math.max(1, pod.concurrency / pod.cpu);
    const cpuSeconds = (cost.opCpuSeconds + cost.overheadCpuSeconds) * stretch;
    // In the cloud a slot also waits on S3 and SQS (sampled per photo); the mean sets the CPU share.
    const io = this.input.model.timings.cloudIoSecondsPerPhoto;
    const meanSlot = cpuSeconds + (io.min + io.mode + io.max) / 3;
    return {
      s,
      queue: [],
      head: 0,
      inFlight: 0,
      replicas: 0,
      lastActiveAt: undefined,
      history: [],
      up: [],
      down: [],
      cpuSeconds,
      coresPerBusySlot: (cpuSeconds / meanSlot) * Math.min(1, pod.cpu / pod.concurrency),
    };
  }

  run(): SimOutcome {
    this.start();
    for (let e = this.events.pop(); e; e = this.events.pop()) {
      this.now = e.at;
      if (this.handle(e.event)) break;
    }
    if (this.scaler.kind === 'cpu-hpa')
      this.notes.add(
        `ready pods' CPU utilisation peaked at ${Math.round(this.peakCpuUtilization * 100)} % against a ${Math.round(this.scaler.cpuTarget * 100)} % target`,
      );
    return {
      latencies: this.latencies,
      drainSeconds: this.lastDone,
      endSeconds: this.now,
      samples: this.samples,
      nodes: this.cluster.nodes.map((n) => ({
        type: n.type.name,
        requestedAt: n.requestedAt,
        readyAt: n.readyAt,
        terminatedAt: n.terminatedAt ?? this.now,
      })),
      notes: [...this.notes],
      milestones: this.milestones,
    };
  }

  private mark(milestone: Milestone): void {
    this.milestones[milestone] ??= this.now;
  }

  private start(): void {
    const { timings } = this.input.model;
    for (const u of uploads(this.input.workload))
      this.events.push(u.at + triangular(this.random, timings.s3EventDelaySeconds), {
        kind: 'visible',
        op: u.operation,
        uploadedAt: u.at,
      });
    this.startWarmPool();
    const sync = this.input.model.hpa.syncPeriodSeconds;
    OPERATIONS.forEach((op, i) => {
      // Controllers are not in phase with the burst or with each other.
      if (this.scaler.kind === 'keda')
        this.events.push(this.random() * this.input.settings.pollingIntervalSeconds, {
          kind: 'keda',
          op,
        });
      this.events.push(this.random() * sync + i * 1e-6, { kind: 'hpa', op });
    });
    this.events.push(0, { kind: 'sample' });
  }

  /** minReplicas pods already running on ready nodes when the burst starts. */
  private startWarmPool(): void {
    const warm = [...this.ops.values()].flatMap((st) => {
      st.replicas = this.floorReplicas(st);
      return Array.from({ length: st.replicas }, () => this.cluster.createPod(st.s.operation));
    });
    const planned = this.provisioner.kind === 'karpenter' ? this.plan(warm.length) : [];
    for (const pod of warm) {
      let node = this.cluster.nodeWithRoom();
      const type =
        this.provisioner.kind === 'alarm-steps'
          ? this.provisioner.instanceType
          : planned.shift()?.type;
      if (!node && type) node = this.cluster.addNode(type, 0, 0);
      if (!node) {
        this.notes.add('the warm pool does not fit the NodePool CPU limit');
        break;
      }
      node.ready = true;
      this.cluster.bind(pod, node);
      node.images.set(pod.operation, 0);
      pod.state = 'ready';
    }
  }

  private floorReplicas(st: OpState): number {
    return this.scaler.kind === 'keda' ? st.s.minReplicas : Math.max(1, st.s.minReplicas);
  }

  private plan(pods: number) {
    return planNodes({
      pods,
      shape: { cpu: this.input.settings.pod.cpu, memoryGiB: this.input.settings.pod.memoryGiB },
      types: this.types,
      overhead: this.input.model.karpenter.nodeOverhead,
      cpuLimitRemaining: this.input.settings.nodePool.cpuLimit - this.cluster.liveVcpu(),
      price: (t) => (this.input.capacity === 'spot' ? t.spotHourly : t.onDemandHourly),
    });
  }

  /** Returns true when the run is over. */
  private handle(event: Event): boolean {
    switch (event.kind) {
      case 'visible':
        return this.onVisible(event.op, event.uploadedAt);
      case 'done':
        return this.onDone(event.pod, event.uploadedAt);
      case 'keda':
        this.onKeda(event.op);
        return false;
      case 'hpa':
        this.onHpa(event.op);
        return false;
      case 'batch':
        this.onBatch();
        return false;
      case 'alarm':
        this.onAlarm();
        return false;
      case 'nodeReady':
        this.onNodeReady(event.node);
        return false;
      case 'podReady':
        if (event.pod.state === 'starting') event.pod.state = 'ready';
        if (event.pod.state === 'ready') this.mark('firstPodReady');
        this.dispatch(event.pod.operation);
        return false;
      case 'consolidate':
        this.onConsolidate(event.node, event.since);
        return false;
      case 'sample':
        return this.onSample();
    }
  }

  private op(op: Operation): OpState {
    const st = this.ops.get(op);
    if (!st) throw new Error(`no settings for ${op}`);
    return st;
  }

  private onVisible(op: Operation, uploadedAt: number): boolean {
    this.mark('firstMessageVisible');
    this.op(op).queue.push(uploadedAt);
    this.dispatch(op);
    return false;
  }

  /** Ready pods with a free slot take visible messages (long polling: at once). */
  private dispatch(op: Operation): void {
    const st = this.op(op);
    const concurrency = this.input.settings.pod.concurrency;
    for (const pod of this.cluster.pods) {
      if (st.head >= st.queue.length) break;
      if (pod.operation !== op || pod.state !== 'ready') continue;
      while (pod.busy < concurrency && st.head < st.queue.length) {
        const uploadedAt = st.queue[st.head++] ?? 0;
        pod.busy++;
        st.inFlight++;
        const io = triangular(this.random, this.input.model.timings.cloudIoSecondsPerPhoto);
        this.events.push(this.now + st.cpuSeconds + io, { kind: 'done', pod, uploadedAt });
      }
    }
  }

  private onDone(pod: Pod, uploadedAt: number): boolean {
    const st = this.op(pod.operation);
    pod.busy--;
    st.inFlight--;
    this.mark('firstPhotoDone');
    this.latencies.push(this.now - uploadedAt);
    this.lastDone = this.now;
    this.remaining--;
    if (pod.state === 'draining' && pod.busy === 0) this.release(pod);
    else this.dispatch(pod.operation);
    return false;
  }

  private metric(st: OpState): number {
    return sqsMetric(st.queue.length - st.head, st.inFlight, st.s.scaleOnInFlight);
  }

  private onKeda(op: Operation): void {
    const st = this.op(op);
    const active = isActive(this.metric(st), st.s.activationQueueLength);
    if (active) st.lastActiveAt = this.now;
    const decision = kedaZeroDecision({
      now: this.now,
      active,
      state: { replicas: st.replicas, lastActiveAt: st.lastActiveAt },
      minReplicas: st.s.minReplicas,
      cooldownPeriodSeconds: this.input.settings.cooldownPeriodSeconds,
    });
    if (decision !== undefined && decision > st.replicas) this.mark('firstScaleFromZero');
    if (decision !== undefined && decision !== st.replicas) this.setReplicas(st, decision);
    this.events.push(this.now + this.input.settings.pollingIntervalSeconds, { kind: 'keda', op });
  }

  private onHpa(op: Operation): void {
    const st = this.op(op);
    this.events.push(this.now + this.input.model.hpa.syncPeriodSeconds, { kind: 'hpa', op });
    // With replicas at zero the HPA is idle; KEDA alone brings the target back to one.
    if (st.replicas === 0) return;
    const behavior = this.scaler.kind === 'keda' ? st.s.behavior : this.scaler.behavior;
    const step = hpaStep({
      now: this.now,
      currentReplicas: st.replicas,
      desired: this.desired(st),
      minReplicas: Math.max(1, st.s.minReplicas),
      maxReplicas: st.s.maxReplicas,
      behavior,
      history: st.history,
      upEvents: st.up,
      downEvents: st.down,
    });
    st.history.push(step.recommendation);
    const keep = Math.max(
      behavior.scaleUp.stabilizationWindowSeconds,
      behavior.scaleDown.stabilizationWindowSeconds,
      ...behavior.scaleUp.policies.map((p) => p.periodSeconds),
      ...behavior.scaleDown.policies.map((p) => p.periodSeconds),
    );
    while ((st.history[0]?.at ?? this.now) < this.now - keep) st.history.shift();
    if (step.replicas > st.replicas)
      st.up.push({ at: this.now, change: step.replicas - st.replicas });
    if (step.replicas < st.replicas)
      st.down.push({ at: this.now, change: st.replicas - step.replicas });
    if (step.replicas === st.s.maxReplicas && st.replicas < step.replicas)
      this.notes.add(`${op} reached maxReplicas (${st.s.maxReplicas})`);
    if (step.replicas !== st.replicas) this.setReplicas(st, step.replicas);
  }

  /** The HPA's desired count: the largest over the ScaledObject's metrics. */
  private desired(st: OpState): number {
    const tolerance = this.input.model.hpa.tolerance;
    const pods = this.cluster.active(st.s.operation);
    const ready = pods.filter((p) => p.state === 'ready');
    const cpuTarget = this.scaler.kind === 'keda' ? st.s.cpuTarget : this.scaler.cpuTarget;
    const utilizations = ready.map(
      (p) => (p.busy * st.coresPerBusySlot) / this.input.settings.pod.cpu,
    );
    if (utilizations.length > 0)
      this.peakCpuUtilization = Math.max(
        this.peakCpuUtilization,
        utilizations.reduce((a, b) => a + b, 0) / utilizations.length,
      );
    const cpu =
      cpuTarget === undefined
        ? 0
        : cpuUtilizationDesired({
            currentReplicas: st.replicas,
            readyUtilizations: utilizations,
            notReadyPods: pods.length - ready.length,
            targetUtilization: cpuTarget,
            tolerance,
          });
    if (this.scaler.kind !== 'keda') return cpu;
    const queue = externalAverageValueDesired(
      st.replicas,
      this.metric(st),
      st.s.queueLength,
      tolerance,
    );
    return Math.max(queue, cpu);
  }

  private setReplicas(st: OpState, replicas: number): void {
    const pods = this.cluster.active(st.s.operation);
    st.replicas = replicas;
    for (let i = pods.length; i < replicas; i++) this.place(this.cluster.createPod(st.s.operation));
    if (pods.length > replicas) this.removePods(pods, pods.length - replicas);
  }

  /** ReplicaSet order: unscheduled first, then not ready, then the least busy. */
  private removePods(pods: Pod[], count: number): void {
    const rank = (p: Pod) => (p.node === undefined ? 0 : p.state !== 'ready' ? 1 : 2 + p.busy);
    for (const pod of [...pods].sort((a, b) => rank(a) - rank(b)).slice(0, count)) {
      if (pod.busy > 0) pod.state = 'draining';
      else this.release(pod);
    }
  }

  private release(pod: Pod): void {
    const emptied = this.cluster.release(pod);
    if (emptied) this.markEmpty(emptied);
    this.retryPending();
  }

  private place(pod: Pod): void {
    const node = this.cluster.nodeWithRoom();
    if (!node) {
      this.notifyPending();
      return;
    }
    this.cluster.bind(pod, node);
    if (node.ready)
      this.startContainer(pod, node, this.input.model.timings.scheduleOnReadyNodeSeconds);
  }

  private retryPending(): void {
    const pending = this.cluster.unscheduled();
    for (const pod of pending) {
      const node = this.cluster.nodeWithRoom();
      if (!node) break;
      this.cluster.bind(pod, node);
      if (node.ready)
        this.startContainer(pod, node, this.input.model.timings.scheduleOnReadyNodeSeconds);
    }
    if (this.cluster.unscheduled().length > 0) this.notifyPending();
  }

  private startContainer(pod: Pod, node: Node, delay: number): void {
    const { timings } = this.input.model;
    pod.state = 'starting';
    let pulled = node.images.get(pod.operation);
    if (pulled === undefined) {
      pulled = this.now + delay + triangular(this.random, timings.imagePullSeconds);
      node.images.set(pod.operation, pulled);
    }
    const readyAt =
      Math.max(this.now + delay, pulled) + triangular(this.random, timings.podStartSeconds);
    this.events.push(readyAt, { kind: 'podReady', pod });
  }

  private notifyPending(): void {
    if (this.provisioner.kind === 'alarm-steps') {
      if (this.alarmInFlight) return;
      this.alarmInFlight = true;
      const { min, max } = this.provisioner.stepSeconds;
      this.events.push(this.now + min + this.random() * (max - min), { kind: 'alarm' });
      return;
    }
    const { batchIdleSeconds, batchMaxSeconds } = this.input.model.karpenter;
    this.window = extendBatch(this.window, this.now, batchIdleSeconds, batchMaxSeconds);
    this.events.push(this.window.closesAt, { kind: 'batch' });
  }

  private onBatch(): void {
    if (!this.window || this.now < this.window.closesAt - 1e-9) return;
    this.window = undefined;
    const pending = this.cluster.unscheduled();
    if (pending.length === 0) return;
    const launches = this.plan(pending.length);
    let next = 0;
    for (const launch of launches) {
      const node = this.launchNode(launch.type);
      for (let i = 0; i < launch.pods; i++) {
        const pod = pending[next++];
        if (pod) this.cluster.bind(pod, node);
      }
    }
    if (next < pending.length)
      this.notes.add(
        `the NodePool CPU limit (${this.input.settings.nodePool.cpuLimit} vCPU) left pods pending`,
      );
  }

  private onAlarm(): void {
    this.alarmInFlight = false;
    if (this.provisioner.kind !== 'alarm-steps' || this.cluster.unscheduled().length === 0) return;
    const node = this.launchNode(this.provisioner.instanceType);
    for (const pod of this.cluster.unscheduled()) {
      if (!this.cluster.fits(node)) break;
      this.cluster.bind(pod, node);
    }
    if (this.cluster.unscheduled().length > 0) this.notifyPending();
  }

  private launchNode(type: InstanceType): Node {
    const readyAt =
      this.now + triangular(this.random, this.input.model.timings.nodeLaunchToReadySeconds);
    const node = this.cluster.addNode(type, this.now, readyAt);
    this.mark('firstNodeRequested');
    this.events.push(readyAt, { kind: 'nodeReady', node });
    return node;
  }

  private onNodeReady(node: Node): void {
    node.ready = true;
    this.mark('firstNodeReady');
    for (const pod of node.pods) if (pod.state === 'pending') this.startContainer(pod, node, 0);
    if (node.pods.size === 0) this.markEmpty(node);
    this.retryPending();
  }

  private consolidateAfter(): number {
    return this.provisioner.kind === 'alarm-steps'
      ? this.provisioner.scaleInEmptySeconds
      : this.input.settings.nodePool.consolidateAfterSeconds;
  }

  private markEmpty(node: Node): void {
    const since = Math.max(this.now, node.readyAt);
    node.emptySince = since;
    this.events.push(since + this.consolidateAfter(), { kind: 'consolidate', node, since });
  }

  private onConsolidate(node: Node, since: number): void {
    if (node.emptySince !== since || node.pods.size > 0 || node.terminatedAt !== undefined) return;
    node.terminatedAt = this.now;
  }

  /** Record the timeline; end once the burst is done and the cluster is back at its floor. */
  private onSample(): boolean {
    const pods = Object.fromEntries(OPERATIONS.map((op) => [op, 0])) as Record<Operation, number>;
    let notReady = 0;
    for (const p of this.cluster.pods) {
      if (p.state === 'ready' || p.state === 'draining') pods[p.operation]++;
      else if (p.state !== 'gone') notReady++;
    }
    const live = this.cluster.live();
    let backlog = 0;
    for (const st of this.ops.values()) backlog += st.queue.length - st.head + st.inFlight;
    this.samples.push({
      t: this.now,
      pods,
      podsNotReady: notReady,
      nodesReady: live.filter((n) => n.ready).length,
      nodesLaunching: live.filter((n) => !n.ready).length,
      backlog,
    });
    const settled =
      this.remaining === 0 &&
      [...this.ops.values()].every((st) => st.replicas === this.floorReplicas(st)) &&
      live.every((n) => n.pods.size > 0);
    if (settled || this.now > this.lastDone + MAX_TAIL_SECONDS) return true;
    this.events.push(this.now + SAMPLE_SECONDS, { kind: 'sample' });
    return false;
  }
}

/** Instance types the NodePool allows: category, generation and architecture from the stack. */
export function compatibleTypes(input: Pick<SimInput, 'settings' | 'model'>): InstanceType[] {
  const pool = input.settings.nodePool;
  return input.model.prices.instanceTypes.filter((t) => {
    const match = /^([a-z])(\d+)([a-z]*)\./.exec(t.name);
    if (!match) return false;
    const arch = (match[3] ?? '').includes('g') ? 'arm64' : 'amd64';
    return (
      pool.instanceCategories.includes(match[1] ?? '') &&
      Number(match[2]) >= pool.minInstanceGeneration &&
      pool.architectures.includes(arch)
    );
  });
}

export function simulate(input: SimInput): SimOutcome {
  return new Simulation(input).run();
}
