/**
 * Cluster add-ons from their upstream charts, on the system nodes: Metrics Server (CPU trigger,
 * `kubectl top`) and KEDA, whose operator reads queue depth through an IRSA role allowed nothing
 * but `sqs:GetQueueAttributes` on the work queues.
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { kedaOperatorPolicy } from '@darkroom/access';
import { irsaTrustPolicy } from './iam.ts';
import { SYSTEM_PLACEMENT } from './system-nodes.ts';

export interface CoreDnsArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly version: string;
  /** The system node group: CoreDNS only becomes ACTIVE once nodes can run it. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The CoreDNS EKS add-on, created after the system node group (its pods tolerate the
 * `CriticalAddonsOnly` taint of the system nodes).
 * @example createCoreDns('coredns', { clusterName: cluster.name, version: 'v1.12.4-eksbuild.1', dependsOn: [systemNodes] })
 */
export function createCoreDns(name: string, args: CoreDnsArgs): aws.eks.Addon {
  return new aws.eks.Addon(
    name,
    {
      clusterName: args.clusterName,
      addonName: 'coredns',
      addonVersion: args.version,
      resolveConflictsOnCreate: 'OVERWRITE',
      resolveConflictsOnUpdate: 'OVERWRITE',
    },
    { dependsOn: args.dependsOn },
  );
}

export interface MetricsServerArgs {
  readonly provider: k8s.Provider;
  readonly chartVersion: string;
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class MetricsServer extends pulumi.ComponentResource {
  constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:addons:MetricsServer', name, {}, opts);
    new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: 'metrics-server',
        chart: 'metrics-server',
        version: args.chartVersion,
        namespace: 'kube-system',
        repositoryOpts: { repo: 'https://kubernetes-sigs.github.io/metrics-server/' },
        values: {
          replicas: 2,
          podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
          ...SYSTEM_PLACEMENT,
        },
      },
      { parent: this, provider: args.provider, dependsOn: args.dependsOn ?? [] },
    );
    this.registerOutputs({});
  }
}

/**
 * Install Metrics Server on the system nodes.
 * @example createMetricsServer('metrics-server', { provider, chartVersion: '3.13.1' })
 */
export function createMetricsServer(
  name: string,
  args: MetricsServerArgs,
  opts?: pulumi.ComponentResourceOptions,
): MetricsServer {
  return new MetricsServer(name, args, opts);
}

export const KEDA_NAMESPACE = 'keda';
export const KEDA_OPERATOR_SERVICE_ACCOUNT = 'keda-operator';

export interface KedaArgs {
  readonly provider: k8s.Provider;
  readonly chartVersion: string;
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcProviderUrl: pulumi.Input<string>;
  /** The work queues KEDA may read the depth of. */
  readonly queueArns: pulumi.Input<string>[];
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class Keda extends pulumi.ComponentResource {
  readonly operatorRoleArn: pulumi.Output<string>;
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: KedaArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:addons:Keda', name, {}, opts);
    const role = new aws.iam.Role(
      `${name}-operator-role`,
      {
        assumeRolePolicy: irsaTrustPolicy(
          args.oidcProviderArn,
          args.oidcProviderUrl,
          KEDA_NAMESPACE,
          KEDA_OPERATOR_SERVICE_ACCOUNT,
        ),
        description: 'KEDA operator: reads SQS queue depth',
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-operator-policy`,
      {
        role: role.name,
        policy: pulumi
          .all(args.queueArns)
          .apply((arns) => JSON.stringify(kedaOperatorPolicy(arns))),
      },
      { parent: this },
    );
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: 'keda',
        chart: 'keda',
        version: args.chartVersion,
        namespace: KEDA_NAMESPACE,
        createNamespace: true,
        repositoryOpts: { repo: 'https://kedacore.github.io/charts' },
        values: {
          serviceAccount: { operator: { name: KEDA_OPERATOR_SERVICE_ACCOUNT } },
          // The chart annotates the operator's service account with this role (set once, here).
          podIdentity: { aws: { irsa: { enabled: true, roleArn: role.arn } } },
          // Two of each behind `maxUnavailable: 1`: a node drain can always evict one.
          operator: { replicaCount: 2 },
          metricsServer: { replicaCount: 2 },
          podDisruptionBudget: {
            operator: { maxUnavailable: 1 },
            metricServer: { maxUnavailable: 1 },
          },
          ...SYSTEM_PLACEMENT,
        },
      },
      { parent: this, provider: args.provider, dependsOn: args.dependsOn ?? [] },
    );
    this.operatorRoleArn = role.arn;
    this.registerOutputs({ operatorRoleArn: this.operatorRoleArn });
  }
}

/**
 * Install KEDA with its read-only queue-depth role.
 * @example createKeda('keda', { provider, chartVersion: '2.20.2', oidcProviderArn, oidcProviderUrl, queueArns })
 */
export function createKeda(
  name: string,
  args: KedaArgs,
  opts?: pulumi.ComponentResourceOptions,
): Keda {
  return new Keda(name, args, opts);
}
