/**
 * Prometheus scraping for clusters that already run the Prometheus operator: one `PodMonitor`
 * selecting every worker pod (`app.kubernetes.io/part-of: darkroom`) on its health port's
 * metrics path, from the spec. Behind `darkroom:monitoring.podMonitor` (default off): the CRD
 * only exists where the operator is installed, and creating it elsewhere fails the deploy.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { PROBE_PATHS } from '@darkroom/pipeline-spec';
import { WORKLOAD_NAMESPACE } from './workers.ts';

export interface PodMonitorArgs {
  readonly provider: k8s.Provider;
  /** Scrape interval, e.g. "30s". */
  readonly interval: string;
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class WorkerPodMonitor extends pulumi.ComponentResource {
  constructor(name: string, args: PodMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:observability:WorkerPodMonitor', name, {}, opts);
    new k8s.apiextensions.CustomResource(
      `${name}-resource`,
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: {
          name: 'darkroom-workers',
          namespace: WORKLOAD_NAMESPACE,
          labels: { 'app.kubernetes.io/part-of': 'darkroom' },
        },
        spec: {
          selector: { matchLabels: { 'app.kubernetes.io/part-of': 'darkroom' } },
          podMetricsEndpoints: [
            { port: 'http', path: PROBE_PATHS.metrics, interval: args.interval },
          ],
        },
      },
      {
        parent: this,
        provider: args.provider,
        ...(args.dependsOn ? { dependsOn: args.dependsOn } : {}),
      },
    );
    this.registerOutputs({});
  }
}

/**
 * @example createPodMonitor('pod-monitor', { provider: cluster.provider, interval: '30s' })
 */
export function createPodMonitor(
  name: string,
  args: PodMonitorArgs,
  opts?: pulumi.ComponentResourceOptions,
): WorkerPodMonitor {
  return new WorkerPodMonitor(name, args, opts);
}
