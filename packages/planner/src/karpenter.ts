/**
 * Karpenter's part, as pure functions (sources in the package README):
 * - batching: a window opens with the first pending pod and closes after `batchIdleDuration` (1 s)
 *   without a new pending pod, or at `batchMaxDuration` (10 s) after it opened (Karpenter settings);
 * - provisioning: the window's pods are packed onto new nodes of the cheapest compatible instance
 *   type that holds them, never past the NodePool's `limits.cpu`.
 */

export interface BatchWindow {
  readonly openedAt: number;
  readonly closesAt: number;
}

/** The batch window after a pending pod appears at `at` (opening one if none is open). */
export function extendBatch(
  window: BatchWindow | undefined,
  at: number,
  idleSeconds: number,
  maxSeconds: number,
): BatchWindow {
  const openedAt = window && at < window.closesAt ? window.openedAt : at;
  return { openedAt, closesAt: Math.min(openedAt + maxSeconds, at + idleSeconds) };
}

/** Close times of the windows a sequence of pending-pod times produces. */
export function batchCloseTimes(
  pendingAt: readonly number[],
  idleSeconds: number,
  maxSeconds: number,
): number[] {
  const closes: number[] = [];
  let window: BatchWindow | undefined;
  for (const at of [...pendingAt].sort((a, b) => a - b)) {
    if (window && at >= window.closesAt) {
      closes.push(window.closesAt);
      window = undefined;
    }
    window = extendBatch(window, at, idleSeconds, maxSeconds);
  }
  if (window) closes.push(window.closesAt);
  return closes;
}

export interface InstanceType {
  readonly name: string;
  readonly vcpu: number;
  readonly memoryGiB: number;
  readonly onDemandHourly: number;
  readonly spotHourly: number;
}

/**
 * CPU Kubernetes can schedule on a node: EKS reserves 6 % of the first core, 1 % of the second,
 * 0.5 % of the next two and 0.25 % of the rest (kube-reserved), and the DaemonSets take their requests.
 */
export function allocatableCpu(vcpu: number, daemonSetCpu: number): number {
  const reserved =
    0.06 * Math.min(vcpu, 1) +
    0.01 * Math.min(Math.max(vcpu - 1, 0), 1) +
    0.005 * Math.min(Math.max(vcpu - 2, 0), 2) +
    0.0025 * Math.max(vcpu - 4, 0);
  return vcpu - reserved - daemonSetCpu;
}

export interface PodShape {
  readonly cpu: number;
  readonly memoryGiB: number;
}

export interface NodeOverhead {
  readonly daemonSetCpu: number;
  readonly reservedMemoryGiB: number;
}

/** How many pods of `shape` fit on one node of `type`. */
export function podsPerNode(type: InstanceType, shape: PodShape, overhead: NodeOverhead): number {
  const byCpu = Math.floor(allocatableCpu(type.vcpu, overhead.daemonSetCpu) / shape.cpu + 1e-9);
  const byMemory = Math.floor((type.memoryGiB - overhead.reservedMemoryGiB) / shape.memoryGiB);
  return Math.max(0, Math.min(byCpu, byMemory));
}

export interface NodeLaunch {
  readonly type: InstanceType;
  readonly pods: number;
}

/**
 * Nodes for `pods` pending pods: repeatedly the cheapest type (at `price`) holding all the
 * remaining pods, else the type with the lowest price per pod; types whose vCPU would pass the
 * remaining NodePool CPU limit are skipped. Pods that fit nowhere stay pending.
 */
export function planNodes(args: {
  readonly pods: number;
  readonly shape: PodShape;
  readonly types: readonly InstanceType[];
  readonly overhead: NodeOverhead;
  readonly cpuLimitRemaining: number;
  readonly price: (type: InstanceType) => number;
}): NodeLaunch[] {
  const launches: NodeLaunch[] = [];
  let remaining = args.pods;
  let cpuLeft = args.cpuLimitRemaining;
  while (remaining > 0) {
    const options = args.types
      .map((type) => ({ type, fit: podsPerNode(type, args.shape, args.overhead) }))
      .filter((o) => o.fit > 0 && o.type.vcpu <= cpuLeft);
    if (options.length === 0) break;
    const holdsAll = options.filter((o) => o.fit >= remaining);
    const byPrice = (a: { type: InstanceType }, b: { type: InstanceType }) =>
      args.price(a.type) - args.price(b.type);
    const perPod = (o: { type: InstanceType; fit: number }) =>
      args.price(o.type) / Math.min(o.fit, remaining);
    const choice =
      holdsAll.length > 0
        ? [...holdsAll].sort(byPrice)[0]
        : [...options].sort((a, b) => perPod(a) - perPod(b) || b.fit - a.fit)[0];
    if (!choice) break;
    const placed = Math.min(choice.fit, remaining);
    launches.push({ type: choice.type, pods: placed });
    remaining -= placed;
    cpuLeft -= choice.type.vcpu;
  }
  return launches;
}
