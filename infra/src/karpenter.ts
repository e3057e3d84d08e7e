/**
 * Worker capacity by Karpenter (v1): the controller (Helm, OCI chart, on the system nodes) with an
 * IRSA role scoped to this cluster's tagged resources, the node role + instance profile + EKS
 * access entry, the interruption queue fed by EventBridge, and the `workers` NodePool on spot
 * with on-demand fallback. Karpenter launches a node in well under a minute (cluster-autoscaler
 * on EKS: 3–5), bin-packs across many instance types and consolidates idle nodes.
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { EC2NodeClass, EC2NodeClassSpec, NodePool, NodePoolSpec } from './crd-types.ts';
import {
  IRSA_ANNOTATION,
  type PolicyStatement,
  createNodeRole,
  denyInsecureTransport,
  irsaTrustPolicy,
  policyDocument,
} from './iam.ts';
import { SYSTEM_PLACEMENT } from './system-nodes.ts';

export const KARPENTER_NAMESPACE = 'kube-system';
export const KARPENTER_SERVICE_ACCOUNT = 'karpenter';
export const WORKER_ROLE_LABEL = { 'darkroom.io/role': 'worker' } as const;
export const WORKER_TAINT = {
  key: 'darkroom.io/workload',
  value: 'images',
  effect: 'NoSchedule',
} as const;

/** The EventBridge events Karpenter reacts to by draining a node before AWS takes it. */
export const INTERRUPTION_EVENTS = {
  'spot-interruption': {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Spot Instance Interruption Warning'],
  },
  rebalance: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
  'instance-state-change': {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Instance State-change Notification'],
  },
  'scheduled-change': { source: ['aws.health'], 'detail-type': ['AWS Health Event'] },
} as const;

export interface KarpenterArgs {
  readonly clusterName: string;
  readonly clusterEndpointName: pulumi.Input<string>;
  readonly clusterArn: pulumi.Input<string>;
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcProviderUrl: pulumi.Input<string>;
  readonly provider: k8s.Provider;
  readonly region: string;
  readonly chartVersion: string;
  readonly amiAlias: string;
  readonly cpuLimit: string;
  readonly consolidateAfter: string;
  readonly expireAfter: string;
  readonly architectures: readonly string[];
  readonly instanceCategories: readonly string[];
  readonly minInstanceGeneration: number;
  /** Something that must exist before the controller can run (the system node group). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The controller's permissions, each statement limited to resources tagged for this cluster. */
export function karpenterControllerStatements(input: {
  clusterName: string;
  region: string;
  accountId: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  clusterArn: pulumi.Input<string>;
  nodeRoleArn: pulumi.Input<string>;
  interruptionQueueArn: pulumi.Input<string>;
}): PolicyStatement[] {
  const { clusterName, region, accountId, partition } = input;
  const ec2 = (type: string) => pulumi.interpolate`arn:${partition}:ec2:${region}:*:${type}/*`;
  const owned = `kubernetes.io/cluster/${clusterName}`;
  const taggedResources = [
    'fleet',
    'instance',
    'volume',
    'network-interface',
    'launch-template',
    'spot-instances-request',
  ].map(ec2);
  return [
    {
      Sid: 'AllowScopedEC2InstanceAccessActions',
      Effect: 'Allow',
      Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
      Resource: ['image', 'snapshot', 'security-group', 'subnet', 'capacity-reservation'].map(
        (t) => pulumi.interpolate`arn:${partition}:ec2:${region}::${t}/*`,
      ),
    },
    {
      Sid: 'AllowScopedEC2LaunchTemplateAccessActions',
      Effect: 'Allow',
      Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
      Resource: ec2('launch-template'),
      Condition: {
        StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      },
    },
    {
      Sid: 'AllowScopedEC2InstanceActionsWithTags',
      Effect: 'Allow',
      Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
      Resource: taggedResources,
      Condition: {
        StringEquals: {
          [`aws:RequestTag/${owned}`]: 'owned',
          'aws:RequestTag/eks:eks-cluster-name': clusterName,
        },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      },
    },
    {
      Sid: 'AllowScopedResourceCreationTagging',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: taggedResources,
      Condition: {
        StringEquals: {
          [`aws:RequestTag/${owned}`]: 'owned',
          'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
        },
      },
    },
    {
      Sid: 'AllowScopedResourceTagging',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: ec2('instance'),
      Condition: {
        StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      },
    },
    {
      Sid: 'AllowScopedDeletion',
      Effect: 'Allow',
      Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
      Resource: [ec2('instance'), ec2('launch-template')],
      Condition: {
        StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      },
    },
    {
      Sid: 'AllowRegionalReadActions',
      Effect: 'Allow',
      Action: [
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'ec2:DescribeInstanceTypeOfferings',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplates',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSpotPriceHistory',
        'ec2:DescribeSubnets',
        'ec2:DescribeCapacityReservations',
      ],
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': region } },
    },
    {
      Sid: 'AllowSSMReadActions',
      Effect: 'Allow',
      Action: 'ssm:GetParameter',
      Resource: pulumi.interpolate`arn:${partition}:ssm:${region}::parameter/aws/service/*`,
    },
    {
      Sid: 'AllowPricingReadActions',
      Effect: 'Allow',
      Action: 'pricing:GetProducts',
      Resource: '*',
    },
    {
      Sid: 'AllowInterruptionQueueActions',
      Effect: 'Allow',
      Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      Resource: input.interruptionQueueArn,
    },
    {
      Sid: 'AllowPassingInstanceRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: input.nodeRoleArn,
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    },
    {
      Sid: 'AllowScopedInstanceProfileActions',
      Effect: 'Allow',
      Action: [
        'iam:CreateInstanceProfile',
        'iam:TagInstanceProfile',
        'iam:AddRoleToInstanceProfile',
        'iam:RemoveRoleFromInstanceProfile',
        'iam:DeleteInstanceProfile',
      ],
      Resource: pulumi.interpolate`arn:${partition}:iam::${accountId}:instance-profile/*`,
      Condition: {
        StringEquals: {
          [`aws:ResourceTag/${owned}`]: 'owned',
          'aws:ResourceTag/topology.kubernetes.io/region': region,
        },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    },
    {
      Sid: 'AllowInstanceProfileReadActions',
      Effect: 'Allow',
      Action: 'iam:GetInstanceProfile',
      Resource: pulumi.interpolate`arn:${partition}:iam::${accountId}:instance-profile/*`,
    },
    {
      Sid: 'AllowAPIServerEndpointDiscovery',
      Effect: 'Allow',
      Action: 'eks:DescribeCluster',
      Resource: input.clusterArn,
    },
  ];
}

export class Karpenter extends pulumi.ComponentResource {
  readonly controllerRoleArn: pulumi.Output<string>;
  readonly nodeRoleName: pulumi.Output<string>;
  readonly interruptionQueueUrl: pulumi.Output<string>;
  readonly nodePoolName: string;

  constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:karpenter:Karpenter', name, {}, opts);
    const account = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;

    // Nodes
    const { role: nodeRole } = createNodeRole(
      `${name}-node-role`,
      `Karpenter worker nodes of ${args.clusterName}`,
      this,
    );
    new aws.iam.InstanceProfile(`${name}-node-profile`, { role: nodeRole.name }, { parent: this });
    new aws.eks.AccessEntry(
      `${name}-node-access`,
      { clusterName: args.clusterEndpointName, principalArn: nodeRole.arn, type: 'EC2_LINUX' },
      { parent: this },
    );

    // Interruption handling
    const queue = new aws.sqs.Queue(
      `${name}-interruptions`,
      { messageRetentionSeconds: 300, sqsManagedSseEnabled: true },
      { parent: this },
    );
    const rules = Object.entries(INTERRUPTION_EVENTS).map(([event, pattern]) => {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${event}`,
        {
          description: `Karpenter: ${pattern['detail-type'][0]}`,
          eventPattern: JSON.stringify(pattern),
        },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(
        `${name}-${event}-target`,
        { rule: rule.name, arn: queue.arn },
        { parent: this },
      );
      return rule;
    });
    new aws.sqs.QueuePolicy(
      `${name}-interruptions-policy`,
      {
        queueUrl: queue.url,
        policy: policyDocument([
          {
            Sid: 'EventBridgeWrite',
            Effect: 'Allow',
            Principal: { Service: ['events.amazonaws.com', 'sqs.amazonaws.com'] },
            Action: 'sqs:SendMessage',
            Resource: queue.arn,
            Condition: { ArnEquals: { 'aws:SourceArn': rules.map((r) => r.arn) } },
          },
          denyInsecureTransport('sqs', queue.arn),
        ]),
      },
      { parent: this },
    );

    // Controller
    const controllerRole = new aws.iam.Role(
      `${name}-controller-role`,
      {
        assumeRolePolicy: irsaTrustPolicy(
          args.oidcProviderArn,
          args.oidcProviderUrl,
          KARPENTER_NAMESPACE,
          KARPENTER_SERVICE_ACCOUNT,
        ),
        description: `Karpenter controller of ${args.clusterName}`,
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-controller-policy`,
      {
        role: controllerRole.name,
        policy: policyDocument(
          karpenterControllerStatements({
            clusterName: args.clusterName,
            region: args.region,
            accountId: account.accountId,
            partition,
            clusterArn: args.clusterArn,
            nodeRoleArn: nodeRole.arn,
            interruptionQueueArn: queue.arn,
          }),
        ),
      },
      { parent: this },
    );
    const release = new k8s.helm.v3.Release(
      `${name}-controller`,
      {
        name: 'karpenter',
        chart: 'oci://public.ecr.aws/karpenter/karpenter',
        version: args.chartVersion,
        namespace: KARPENTER_NAMESPACE,
        values: {
          settings: { clusterName: args.clusterName, interruptionQueue: queue.name },
          serviceAccount: {
            name: KARPENTER_SERVICE_ACCOUNT,
            annotations: { [IRSA_ANNOTATION]: controllerRole.arn },
          },
          replicas: 2,
          podDisruptionBudget: { name: 'karpenter', maxUnavailable: 1 },
          ...SYSTEM_PLACEMENT,
          controller: {
            resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '512Mi' } },
          },
        },
      },
      { parent: this, provider: args.provider, dependsOn: args.dependsOn ?? [] },
    );

    const nodeClassName = 'darkroom-workers';
    const nodeClass = {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: nodeClassName },
      spec: nodeRole.name.apply((role): EC2NodeClassSpec => ({
        role,
        amiSelectorTerms: [{ alias: args.amiAlias }],
        subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': args.clusterName } }],
        securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': args.clusterName } }],
        metadataOptions: {
          httpEndpoint: 'enabled',
          httpProtocolIPv6: 'disabled',
          httpPutResponseHopLimit: 1,
          httpTokens: 'required',
        },
        blockDeviceMappings: [
          {
            deviceName: '/dev/xvda',
            ebs: {
              volumeSize: '50Gi',
              volumeType: 'gp3',
              encrypted: true,
              deleteOnTermination: true,
            },
          },
        ],
        tags: { 'darkroom.io/cluster': args.clusterName, 'darkroom.io/role': 'worker' },
      })),
    } satisfies Omit<EC2NodeClass, 'spec'> & { spec: pulumi.Output<EC2NodeClassSpec> };
    const nodeClassResource = new k8s.apiextensions.CustomResource(`${name}-nodeclass`, nodeClass, {
      parent: this,
      provider: args.provider,
      dependsOn: [release],
    });

    this.nodePoolName = 'workers';
    const nodePool: NodePool = {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: this.nodePoolName },
      spec: workersNodePoolSpec({ ...args, nodeClassName }),
    };
    new k8s.apiextensions.CustomResource(`${name}-nodepool`, nodePool, {
      parent: this,
      provider: args.provider,
      dependsOn: [nodeClassResource],
    });

    this.controllerRoleArn = controllerRole.arn;
    this.nodeRoleName = nodeRole.name;
    this.interruptionQueueUrl = queue.url;
    this.registerOutputs({
      controllerRoleArn: this.controllerRoleArn,
      nodeRoleName: this.nodeRoleName,
      interruptionQueueUrl: this.interruptionQueueUrl,
    });
  }
}

/** The `workers` NodePool: spot first, on-demand when spot is short, tainted for photo workers, CPU-capped. */
export function workersNodePoolSpec(
  args: Pick<
    KarpenterArgs,
    | 'cpuLimit'
    | 'consolidateAfter'
    | 'expireAfter'
    | 'architectures'
    | 'instanceCategories'
    | 'minInstanceGeneration'
  > & { nodeClassName: string },
): NodePoolSpec {
  return {
    template: {
      metadata: { labels: { ...WORKER_ROLE_LABEL } },
      spec: {
        nodeClassRef: {
          group: 'karpenter.k8s.aws',
          kind: 'EC2NodeClass',
          name: args.nodeClassName,
        },
        requirements: [
          // Karpenter prefers spot when both are allowed and falls back to on-demand when spot has no capacity.
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
          {
            key: 'karpenter.k8s.aws/instance-category',
            operator: 'In',
            values: [...args.instanceCategories],
          },
          {
            key: 'karpenter.k8s.aws/instance-generation',
            operator: 'Gt',
            values: [String(args.minInstanceGeneration - 1)],
          },
          { key: 'kubernetes.io/arch', operator: 'In', values: [...args.architectures] },
          { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
        ],
        taints: [{ ...WORKER_TAINT }],
        expireAfter: args.expireAfter,
        terminationGracePeriod: '5m',
      },
    },
    limits: { cpu: args.cpuLimit },
    disruption: {
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: args.consolidateAfter,
      // At most 20 % of worker nodes disrupted at once; never more than 2 for underutilisation.
      budgets: [{ nodes: '20%' }, { nodes: '2', reasons: ['Underutilized'] }],
    },
  };
}

/**
 * Install Karpenter and the `workers` NodePool.
 * @example createKarpenter('karpenter', { clusterName, provider, chartVersion: '1.8.1', amiAlias: 'al2023@v20251117', cpuLimit: '64', … })
 */
export function createKarpenter(
  name: string,
  args: KarpenterArgs,
  opts?: pulumi.ComponentResourceOptions,
): Karpenter {
  return new Karpenter(name, args, opts);
}
