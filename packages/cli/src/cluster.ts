/**
 * Worker replicas and Karpenter nodes, read with `kubectl` when it is installed and the current
 * kubeconfig reaches the cluster (a deployed stack); otherwise `status` shows queues only.
 */
import { execFile } from 'node:child_process';
import {
  OPERATIONS,
  OPERATION_LABEL,
  type Operation,
  WORKLOAD_NAMESPACE,
  isOperation,
} from '@darkroom/pipeline-spec';
import { z } from 'zod';

export interface Replicas {
  readonly desired: number;
  readonly ready: number;
}

export interface ClusterView {
  readonly replicas: Partial<Record<Operation, Replicas>>;
  /** Karpenter NodeClaims of the cluster: launched, and Ready. */
  readonly nodes: { readonly total: number; readonly ready: number };
}

const condition = z.object({ type: z.string(), status: z.string() });
const deploymentList = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ labels: z.record(z.string(), z.string()).default({}) }),
      spec: z.object({ replicas: z.number().default(1) }),
      status: z.object({ readyReplicas: z.number().default(0) }).prefault({}),
    }),
  ),
});
const nodeClaimList = z.object({
  items: z.array(
    z.object({
      status: z.object({ conditions: z.array(condition).default([]) }).prefault({}),
    }),
  ),
});

/**
 * The view from `kubectl get deployments -n darkroom -o json` and `kubectl get nodeclaims -o json`.
 * @throws {z.ZodError} when either is not a Kubernetes list of that kind.
 */
export function parseClusterView(deployments: unknown, nodeClaims: unknown): ClusterView {
  const replicas: Partial<Record<Operation, Replicas>> = {};
  for (const d of deploymentList.parse(deployments).items) {
    const op = d.metadata.labels[OPERATION_LABEL];
    if (op !== undefined && isOperation(op))
      replicas[op] = { desired: d.spec.replicas, ready: d.status.readyReplicas };
  }
  const claims = nodeClaimList.parse(nodeClaims).items;
  const ready = claims.filter((c) =>
    c.status.conditions.some((k) => k.type === 'Ready' && k.status === 'True'),
  ).length;
  return { replicas, nodes: { total: claims.length, ready } };
}

export type KubectlJson = (args: readonly string[]) => Promise<unknown>;

/** Run `kubectl … -o json` with a short timeout; rejects when kubectl is missing or fails. */
export const kubectlJson: KubectlJson = (args) =>
  new Promise((resolve, reject) =>
    execFile(
      'kubectl',
      [...args, '-o', 'json', '--request-timeout=5s'],
      { maxBuffer: 32 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
    ),
  );

/** The cluster view, or undefined when kubectl is absent or cannot reach the cluster. */
export async function readClusterView(
  kubectl: KubectlJson = kubectlJson,
): Promise<ClusterView | undefined> {
  try {
    const [deployments, nodeClaims] = await Promise.all([
      kubectl(['get', 'deployments', '-n', WORKLOAD_NAMESPACE, '-l', OPERATION_LABEL]),
      kubectl(['get', 'nodeclaims']),
    ]);
    return parseClusterView(deployments, nodeClaims);
  } catch {
    return undefined;
  }
}

/** `pods 3/4` per operation and the node line, for the status table. */
export function podsCell(view: ClusterView | undefined, op: Operation): string {
  const r = view?.replicas[op];
  return r ? `${r.ready}/${r.desired}` : '-';
}

export function nodesLine(view: ClusterView | undefined): string {
  if (!view) return '';
  const pods = OPERATIONS.reduce((n, op) => n + (view.replicas[op]?.ready ?? 0), 0);
  return `worker nodes: ${view.nodes.ready} ready of ${view.nodes.total} launched; ${pods} worker pods ready\n`;
}
