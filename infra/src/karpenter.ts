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
import { type PolicyStatement, denyInsecureTransport, policyDocument } from '@darkroom/access';
import { IRSA_ANNOTATION, createNodeRole, irsaTrustPolicy } from './iam.ts';
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
  readonly spotServiceLinkedRole: 'create' | 'exists';
  /** Something that must exist before the controller can run (the system node group). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Plain ARNs and names the controller's policy is written over. */
export interface KarpenterPolicyArgs {
  readonly clusterName: string;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly clusterArn: string;
  readonly nodeRoleArn: string;
  readonly interruptionQueueArn: string;
}

/** Launching and ending nodes: each write limited to resources tagged for this cluster's node pools. */
function launchStatements(args: KarpenterPolicyArgs): PolicyStatement[] {
  const { clusterName, region, partition } = args;
  const ec2 = (type: string) => `arn:${partition}:ec2:${region}:*:${type}/*`;
  const awsOwned = (type: string) => `arn:${partition}:ec2:${region}::${type}/*`;
  const owned = `kubernetes.io/cluster/${clusterName}`;
  const requestTags = {
    StringEquals: {
      [`aws:RequestTag/${owned}`]: 'owned',
      'aws:RequestTag/eks:eks-cluster-name': clusterName,
    },
    StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
  };
  const ownedByNodePool = {
    StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' },
    StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
  };
  const launched = ['fleet', 'instance', 'volume', 'network-interface', 'launch-template'];
  return [
    {
      Sid: 'AllowScopedEC2InstanceAccessActions',
      Effect: 'Allow',
      Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
      Resource: [
        awsOwned('image'),
        awsOwned('snapshot'),
        ec2('security-group'),
        ec2('subnet'),
        ec2('capacity-reservation'),
      ],
    },
    {
      Sid: 'AllowScopedEC2LaunchTemplateAccessActions',
      Effect: 'Allow',
      Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
      Resource: ec2('launch-template'),
      Condition: ownedByNodePool,
    },
    {
      Sid: 'AllowScopedEC2InstanceActionsWithTags',
      Effect: 'Allow',
      Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
      Resource: [...launched, 'spot-instances-request'].map(ec2),
      Condition: requestTags,
    },
    {
      Sid: 'AllowScopedResourceCreationTagging',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: [...launched, 'spot-instances-request'].map(ec2),
      Condition: {
        StringEquals: {
          ...requestTags.StringEquals,
          'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
        },
        StringLike: requestTags.StringLike,
      },
    },
    {
      Sid: 'AllowScopedResourceTagging',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: ec2('instance'),
      Condition: {
        ...ownedByNodePool,
        StringEqualsIfExists: { 'aws:RequestTag/eks:eks-cluster-name': clusterName },
        'ForAllValues:StringEquals': {
          'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'],
        },
      },
    },
    {
      Sid: 'AllowScopedDeletion',
      Effect: 'Allow',
      Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
      Resource: [ec2('instance'), ec2('launch-template')],
      Condition: ownedByNodePool,
    },
  ];
}

/** What the controller reads to choose capacity: in this region only (pricing has no region). */
function readStatements({ region, partition }: KarpenterPolicyArgs): PolicyStatement[] {
  return [
    {
      Sid: 'AllowRegionalReadActions',
      Effect: 'Allow',
      Action: [
        'ec2:DescribeCapacityReservations',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'ec2:DescribeInstanceStatus',
        'ec2:DescribeInstanceTypeOfferings',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplates',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSpotPriceHistory',
        'ec2:DescribeSubnets',
      ],
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': region } },
    },
    {
      Sid: 'AllowSSMReadActions',
      Effect: 'Allow',
      Action: 'ssm:GetParameter',
      Resource: `arn:${partition}:ssm:${region}::parameter/aws/service/*`,
    },
    // The Pricing API lives in us-east-1 (or eu-central-1/ap-south-1), hence no region condition.
    {
      Sid: 'AllowPricingReadActions',
      Effect: 'Allow',
      Action: 'pricing:GetProducts',
      Resource: '*',
    },
  ];
}

/** The interruption queue, the node role it passes, instance profiles it reads, the cluster it finds. */
function clusterStatements(args: KarpenterPolicyArgs): PolicyStatement[] {
  const instanceProfiles = `arn:${args.partition}:iam::${args.accountId}:instance-profile/*`;
  return [
    {
      Sid: 'AllowInterruptionQueueActions',
      Effect: 'Allow',
      Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      Resource: args.interruptionQueueArn,
    },
    {
      Sid: 'AllowPassingInstanceRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: args.nodeRoleArn,
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    },
    // The EC2NodeClass finalizer and the instance-profile garbage collector still list and read
    // profiles (pkg/controllers/nodeclass/controller.go finalize); a denial blocks `destroy`.
    {
      Sid: 'AllowInstanceProfileReadActions',
      Effect: 'Allow',
      Action: 'iam:GetInstanceProfile',
      Resource: instanceProfiles,
    },
    {
      Sid: 'AllowUnscopedInstanceProfileListAction',
      Effect: 'Allow',
      Action: 'iam:ListInstanceProfiles',
      Resource: '*',
    },
    {
      Sid: 'AllowAPIServerEndpointDiscovery',
      Effect: 'Allow',
      Action: 'eks:DescribeCluster',
      Resource: args.clusterArn,
    },
  ];
}

/**
 * The controller's permissions: Karpenter v1.14's reference policy (the KarpenterController*
 * policies in aws/karpenter-provider-aws website/content/en/v1.14/getting-started/getting-started-with-karpenter/cloudformation.yaml;
 * since 1.12 the health check needs ec2:DescribeInstanceStatus; since 1.9 upstream launches no
 * capacity-reservation resources with tags, so neither do we),
 * each write limited to resources tagged for this cluster, minus the instance-profile writes:
 * the EC2NodeClass names the profile this program creates (`spec.instanceProfile`), so the
 * controller never creates, tags or deletes one. Image, snapshot and SSM parameter ARNs carry no
 * account (AWS owns them); every other EC2 ARN does, hence `*`.
 */
export function karpenterControllerStatements(args: KarpenterPolicyArgs): PolicyStatement[] {
  return [...launchStatements(args), ...readStatements(args), ...clusterStatements(args)];
}

/** The interruption queue's policy: only these EventBridge rules may send, never over plain HTTP. */
export function interruptionQueueStatements(
  queueArn: string,
  ruleArns: readonly string[],
): PolicyStatement[] {
  return [
    {
      Sid: 'EventBridgeWrite',
      Effect: 'Allow',
      Principal: { Service: ['events.amazonaws.com', 'sqs.amazonaws.com'] },
      Action: 'sqs:SendMessage',
      Resource: queueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': [...ruleArns] } },
    },
    denyInsecureTransport('sqs', queueArn),
  ];
}

export class Karpenter extends pulumi.ComponentResource {
  readonly controllerRoleArn: pulumi.Output<string>;
  readonly nodeRoleName: pulumi.Output<string>;
  readonly instanceProfileName: pulumi.Output<string>;
  readonly interruptionQueueUrl: pulumi.Output<string>;
  readonly nodePoolName = 'workers';
  readonly nodeClassName = 'darkroom-workers';
  /** The controller Helm release; the NodePool and EC2NodeClass depend on it. */
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:karpenter:Karpenter', name, {}, opts);
    const nodes = this.createNodeIdentity(name, args);
    const queue = this.createInterruptionQueue(name);
    const controller = this.createControllerRole(name, args, nodes.role.arn, queue.queue.arn);
    // Everything the controller needs to launch *and terminate* nodes is a dependency of its
    // release, so on `destroy` Pulumi deletes the NodePool and EC2NodeClass (whose finalizers make
    // Karpenter terminate its instances) before any of it.
    const prerequisites: pulumi.Resource[] = [
      controller.policy,
      nodes.profile,
      nodes.accessEntry,
      ...nodes.attachments,
      queue.policy,
    ];
    if (args.spotServiceLinkedRole === 'create')
      prerequisites.push(
        new aws.iam.ServiceLinkedRole(
          `${name}-spot-slr`,
          { awsServiceName: 'spot.amazonaws.com', description: 'EC2 Spot, for Karpenter' },
          // Account-wide: another stack may still launch spot with it, so `destroy` leaves it.
          { parent: this, retainOnDelete: true },
        ),
      );
    this.release = this.installController(name, args, {
      roleArn: controller.role.arn,
      queueName: queue.queue.name,
      prerequisites,
    });
    const nodeClass = new k8s.apiextensions.CustomResource(
      `${name}-nodeclass`,
      workersNodeClass(this.nodeClassName, args, nodes.profile.name),
      { parent: this, provider: args.provider, dependsOn: [this.release] },
    );
    const nodePool: NodePool = {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: this.nodePoolName },
      spec: workersNodePoolSpec({ ...args, nodeClassName: this.nodeClassName }),
    };
    new k8s.apiextensions.CustomResource(`${name}-nodepool`, nodePool, {
      parent: this,
      provider: args.provider,
      dependsOn: [nodeClass],
    });

    this.controllerRoleArn = controller.role.arn;
    this.nodeRoleName = nodes.role.name;
    this.instanceProfileName = nodes.profile.name;
    this.interruptionQueueUrl = queue.queue.url;
    this.registerOutputs({
      controllerRoleArn: this.controllerRoleArn,
      nodeRoleName: this.nodeRoleName,
      instanceProfileName: this.instanceProfileName,
      interruptionQueueUrl: this.interruptionQueueUrl,
    });
  }

  /** The node role, the instance profile the EC2NodeClass names, and the node access entry. */
  private createNodeIdentity(name: string, args: KarpenterArgs) {
    const { role, attachments } = createNodeRole(
      `${name}-node-role`,
      `Karpenter worker nodes of ${args.clusterName}`,
      this,
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-node-profile`,
      { role: role.name },
      { parent: this },
    );
    const accessEntry = new aws.eks.AccessEntry(
      `${name}-node-access`,
      { clusterName: args.clusterEndpointName, principalArn: role.arn, type: 'EC2_LINUX' },
      { parent: this },
    );
    return { role, attachments, profile, accessEntry };
  }

  /** The queue EventBridge feeds with spot interruptions and instance events. */
  private createInterruptionQueue(name: string) {
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
    const policy = new aws.sqs.QueuePolicy(
      `${name}-interruptions-policy`,
      {
        queueUrl: queue.url,
        policy: pulumi
          .all([queue.arn, pulumi.all(rules.map((r) => r.arn))])
          .apply(([queueArn, ruleArns]) =>
            JSON.stringify(policyDocument(interruptionQueueStatements(queueArn, ruleArns))),
          ),
      },
      { parent: this },
    );
    return { queue, policy };
  }

  /** The controller's IRSA role and its policy. */
  private createControllerRole(
    name: string,
    args: KarpenterArgs,
    nodeRoleArn: pulumi.Output<string>,
    interruptionQueueArn: pulumi.Output<string>,
  ) {
    const account = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const role = new aws.iam.Role(
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
    const document = pulumi
      .all([account.accountId, partition, args.clusterArn, nodeRoleArn, interruptionQueueArn])
      .apply(([accountId, partitionName, clusterArn, nodeRole, queueArn]) =>
        JSON.stringify(
          policyDocument(
            karpenterControllerStatements({
              clusterName: args.clusterName,
              region: args.region,
              accountId,
              partition: partitionName,
              clusterArn,
              nodeRoleArn: nodeRole,
              interruptionQueueArn: queueArn,
            }),
          ),
        ),
      );
    const policy = new aws.iam.RolePolicy(
      `${name}-controller-policy`,
      { role: role.name, policy: document },
      { parent: this },
    );
    return { role, policy };
  }

  /**
   * The CRDs (their own chart: Helm never upgrades CRDs bundled in a chart) and the controller.
   * Helm pulls both anonymously from public ECR; stale `public.ecr.aws` credentials in Helm's
   * registry config make that pull fail with 403 (`helm registry logout public.ecr.aws`).
   */
  private installController(
    name: string,
    args: KarpenterArgs,
    controller: {
      roleArn: pulumi.Output<string>;
      queueName: pulumi.Output<string>;
      prerequisites: pulumi.Resource[];
    },
  ): k8s.helm.v3.Release {
    const k8sOpts = { parent: this, provider: args.provider };
    const crds = new k8s.helm.v3.Release(
      `${name}-crds`,
      {
        name: 'karpenter-crd',
        chart: 'oci://public.ecr.aws/karpenter/karpenter-crd',
        version: args.chartVersion,
        namespace: KARPENTER_NAMESPACE,
      },
      { ...k8sOpts, dependsOn: args.dependsOn ?? [] },
    );
    return new k8s.helm.v3.Release(
      `${name}-controller`,
      {
        name: 'karpenter',
        chart: 'oci://public.ecr.aws/karpenter/karpenter',
        version: args.chartVersion,
        namespace: KARPENTER_NAMESPACE,
        skipCrds: true,
        values: {
          settings: { clusterName: args.clusterName, interruptionQueue: controller.queueName },
          serviceAccount: {
            name: KARPENTER_SERVICE_ACCOUNT,
            annotations: { [IRSA_ANNOTATION]: controller.roleArn },
          },
          replicas: 2,
          podDisruptionBudget: { name: 'karpenter', maxUnavailable: 1 },
          ...SYSTEM_PLACEMENT,
          // Upstream's getting-started values: 1 CPU and 1 GiB, requests = limits.
          controller: { resources: { requests: KARPENTER_RESOURCES, limits: KARPENTER_RESOURCES } },
        },
      },
      { ...k8sOpts, dependsOn: [...(args.dependsOn ?? []), crds, ...controller.prerequisites] },
    );
  }
}

/** Controller resources as Karpenter's getting-started guide sets them (step08-apply-helm-chart.sh). */
export const KARPENTER_RESOURCES = { cpu: '1', memory: '1Gi' } as const;

/**
 * The `darkroom-workers` EC2NodeClass. It names the instance profile this program owns
 * (`instanceProfile`, not `role`), so the controller needs no IAM write permission and `destroy`
 * never waits on it to delete a profile.
 */
export function workersNodeClass(
  name: string,
  args: Pick<KarpenterArgs, 'amiAlias' | 'clusterName'>,
  instanceProfile: pulumi.Output<string>,
): Omit<EC2NodeClass, 'spec'> & { spec: pulumi.Output<EC2NodeClassSpec> } {
  const discovery = { tags: { 'karpenter.sh/discovery': args.clusterName } };
  return {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name },
    spec: instanceProfile.apply((profile): EC2NodeClassSpec => ({
      instanceProfile: profile,
      amiSelectorTerms: [{ alias: args.amiAlias }],
      subnetSelectorTerms: [discovery],
      securityGroupSelectorTerms: [discovery],
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
  };
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
 * @example createKarpenter('karpenter', { clusterName, provider, chartVersion: '1.14.1', amiAlias: 'al2023@v20260714', cpuLimit: '64', … })
 */
export function createKarpenter(
  name: string,
  args: KarpenterArgs,
  opts?: pulumi.ComponentResourceOptions,
): Karpenter {
  return new Karpenter(name, args, opts);
}
