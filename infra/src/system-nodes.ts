/**
 * The `system` managed node group: small, on-demand, tainted CriticalAddonsOnly, where CoreDNS,
 * Karpenter, KEDA and Metrics Server run. Its launch template requires IMDSv2 with a hop limit
 * of 1 (pods cannot reach the node role) and an encrypted gp3 root volume.
 */
import * as aws from '@pulumi/aws';
import * as eks from '@pulumi/eks';
import * as pulumi from '@pulumi/pulumi';
import { createNodeRole } from './iam.ts';

export const SYSTEM_ROLE_LABEL = { 'darkroom.io/role': 'system' } as const;
export const SYSTEM_TAINT = {
  key: 'CriticalAddonsOnly',
  value: 'true',
  effect: 'NoSchedule',
} as const;
/** Toleration and node selector every system add-on gets. */
export const SYSTEM_PLACEMENT = {
  nodeSelector: { ...SYSTEM_ROLE_LABEL },
  tolerations: [{ key: SYSTEM_TAINT.key, operator: 'Exists', effect: SYSTEM_TAINT.effect }],
};

export interface SystemNodeGroupArgs {
  readonly cluster: eks.Cluster;
  readonly clusterName: string;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly instanceTypes: readonly string[];
  readonly desired: number;
  readonly min: number;
  readonly max: number;
  readonly diskGiB: number;
  /** With a custom launch template EKS leaves the version to us: pin it to the control plane's. */
  readonly kubernetesVersion: string;
}

export class SystemNodeGroup extends pulumi.ComponentResource {
  readonly nodeGroupName: pulumi.Output<string>;
  /** The node group's Auto Scaling group (the front desk's NLB targets its instances). */
  readonly autoscalingGroupName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: SystemNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:nodes:SystemNodeGroup', name, {}, opts);
    const { role, attachments } = createNodeRole(
      `${name}-role`,
      `System nodes of ${args.clusterName}`,
      this,
    );
    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-lt`,
      {
        description: `System nodes of ${args.clusterName}: IMDSv2 only, hop limit 1, encrypted gp3`,
        metadataOptions: {
          httpEndpoint: 'enabled',
          httpTokens: 'required',
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: 'disabled',
        },
        blockDeviceMappings: [
          {
            deviceName: '/dev/xvda',
            ebs: {
              volumeSize: args.diskGiB,
              volumeType: 'gp3',
              encrypted: 'true',
              deleteOnTermination: 'true',
            },
          },
        ],
        tagSpecifications: [
          {
            resourceType: 'instance',
            tags: { Name: `${args.clusterName}-system`, 'darkroom.io/role': 'system' },
          },
        ],
        updateDefaultVersion: true,
      },
      { parent: this },
    );
    const nodeGroup = new eks.ManagedNodeGroup(
      `${name}-mng`,
      {
        cluster: args.cluster,
        nodeGroupNamePrefix: `${args.clusterName}-system-`,
        nodeRole: role,
        subnetIds: args.subnetIds,
        capacityType: 'ON_DEMAND',
        instanceTypes: [...args.instanceTypes],
        scalingConfig: { desiredSize: args.desired, minSize: args.min, maxSize: args.max },
        labels: { ...SYSTEM_ROLE_LABEL },
        taints: [{ key: SYSTEM_TAINT.key, value: SYSTEM_TAINT.value, effect: 'NO_SCHEDULE' }],
        launchTemplate: {
          id: launchTemplate.id,
          version: pulumi.interpolate`${launchTemplate.latestVersion}`,
        },
        amiType: 'AL2023_x86_64_STANDARD',
        // pulumi-eks sets the cluster's version only when no launch template is given; without
        // this, a Kubernetes upgrade would move the control plane and leave these nodes behind.
        version: args.kubernetesVersion,
      },
      { parent: this, dependsOn: attachments },
    );
    this.nodeGroupName = nodeGroup.nodeGroup.nodeGroupName;
    this.autoscalingGroupName = nodeGroup.nodeGroup.resources.apply(
      (resources) => resources?.[0]?.autoscalingGroups?.[0]?.name ?? '',
    );
    this.roleArn = role.arn;
    this.registerOutputs({ nodeGroupName: this.nodeGroupName, roleArn: this.roleArn });
  }
}

/**
 * Create the on-demand system node group.
 * @example createSystemNodeGroup('system-nodes', { cluster: cluster.eks, clusterName, subnetIds, instanceTypes: ['m7i.large'], desired: 2, min: 2, max: 3, diskGiB: 50 })
 */
export function createSystemNodeGroup(
  name: string,
  args: SystemNodeGroupArgs,
  opts?: pulumi.ComponentResourceOptions,
): SystemNodeGroup {
  return new SystemNodeGroup(name, args, opts);
}
