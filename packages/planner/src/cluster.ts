/**
 * Pods and nodes of the simulated cluster: placement (kube-scheduler on free CPU), the image
 * pull once per node and image, and the bookkeeping the controllers and the cost read.
 */
import type { Operation } from '@darkroom/pipeline-spec';
import type { InstanceType } from './karpenter.ts';

export type PodState = 'pending' | 'starting' | 'ready' | 'draining' | 'gone';

export interface Pod {
  readonly id: number;
  readonly operation: Operation;
  state: PodState;
  node: Node | undefined;
  busy: number;
}

export interface Node {
  readonly id: number;
  readonly type: InstanceType;
  readonly requestedAt: number;
  readyAt: number;
  ready: boolean;
  terminatedAt: number | undefined;
  readonly pods: Set<Pod>;
  cpuUsed: number;
  /** When each operation's image finishes pulling on this node. */
  readonly images: Map<Operation, number>;
  emptySince: number | undefined;
}

export class Cluster {
  readonly nodes: Node[] = [];
  readonly pods: Pod[] = [];
  private nextId = 1;
  private readonly podCpu: number;
  private readonly allocatable: (type: InstanceType) => number;

  constructor(podCpu: number, allocatable: (type: InstanceType) => number) {
    this.podCpu = podCpu;
    this.allocatable = allocatable;
  }

  createPod(operation: Operation): Pod {
    const pod: Pod = { id: this.nextId++, operation, state: 'pending', node: undefined, busy: 0 };
    this.pods.push(pod);
    return pod;
  }

  addNode(type: InstanceType, requestedAt: number, readyAt: number): Node {
    const node: Node = {
      id: this.nextId++,
      type,
      requestedAt,
      readyAt,
      ready: false,
      terminatedAt: undefined,
      pods: new Set(),
      cpuUsed: 0,
      images: new Map(),
      emptySince: undefined,
    };
    this.nodes.push(node);
    return node;
  }

  live(): Node[] {
    return this.nodes.filter((n) => n.terminatedAt === undefined);
  }

  liveVcpu(): number {
    return this.live().reduce((s, n) => s + n.type.vcpu, 0);
  }

  fits(node: Node): boolean {
    return node.cpuUsed + this.podCpu <= this.allocatable(node.type) + 1e-9;
  }

  /** A node with room: ready ones first (the scheduler), then launching ones (Karpenter's nominations). */
  nodeWithRoom(): Node | undefined {
    const live = this.live();
    return live.find((n) => n.ready && this.fits(n)) ?? live.find((n) => !n.ready && this.fits(n));
  }

  bind(pod: Pod, node: Node): void {
    pod.node = node;
    node.pods.add(pod);
    node.cpuUsed += this.podCpu;
    node.emptySince = undefined;
  }

  /** Release a pod's CPU; returns its node when that left the node empty. */
  release(pod: Pod): Node | undefined {
    pod.state = 'gone';
    const node = pod.node;
    pod.node = undefined;
    if (!node) return undefined;
    node.pods.delete(pod);
    node.cpuUsed -= this.podCpu;
    return node.pods.size === 0 ? node : undefined;
  }

  unscheduled(): Pod[] {
    return this.pods.filter((p) => p.state === 'pending' && p.node === undefined);
  }

  active(operation: Operation): Pod[] {
    return this.pods.filter(
      (p) => p.operation === operation && p.state !== 'gone' && p.state !== 'draining',
    );
  }
}
