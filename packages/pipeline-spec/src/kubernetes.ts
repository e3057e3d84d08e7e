/** Where the workers live in the cluster: read by infra (creates them) and the CLI (reads them). */
import type { Operation } from './operations.ts';

/** The namespace of the worker Deployments. */
export const WORKLOAD_NAMESPACE = 'darkroom';
/** The label naming a worker's operation on its Deployment and pods. */
export const OPERATION_LABEL = 'darkroom.io/operation';

/** The Deployment (and ServiceAccount, ScaledObject) name of an operation's worker. */
export function workerAppName(operation: Operation): string {
  return `darkroom-${operation}`;
}
