/**
 * The CI/CD identities' permissions, defined once: which GitHub job may assume which role, and
 * what each role may do. One role per (stack, mode): a pull request previews dev, the `dev`
 * environment deploys dev, the `prod-preview` environment previews prod before approval and only
 * the approved `prod` environment deploys prod. Deployed by infra/bootstrap, simulated by the
 * access and infra tests with the requests each job makes (`testing/delivery-requests.ts`).
 */
import { type PolicyDocument, type PolicyStatement, denyInsecureTransport } from './policy.ts';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const DELIVERY_STACKS = ['dev', 'prod'] as const;
export type DeliveryStack = (typeof DELIVERY_STACKS)[number];
export type DeliveryMode = 'preview' | 'deploy';

export const isDeliveryStack = (stack: string): stack is DeliveryStack =>
  DELIVERY_STACKS.some((s) => s === stack);

/** The four CI roles, named `darkroom-github-<mode>-<stack>`. */
export const DELIVERY_ROLES = DELIVERY_STACKS.flatMap((stack) =>
  (['preview', 'deploy'] as const).map((mode) => ({ stack, mode })),
);

export const deliveryRoleName = (mode: DeliveryMode, stack: DeliveryStack) =>
  `darkroom-github-${mode}-${stack}`;

/** The KMS alias of one stack's Pulumi secrets: one key per stack, so a dev identity never decrypts prod. */
export const stateKeyAlias = (stack: DeliveryStack) => `alias/darkroom-pulumi-${stack}`;

/** The tag every AWS resource of a stack carries (`aws:defaultTags` in Pulumi.<stack>.yaml). */
export const STACK_TAG = 'darkroom.io/stack';

/**
 * The GitHub environment whose jobs get each role. A pull request's token has no environment
 * (`sub` = `repo:<r>:pull_request`); every other role is bound to an environment, never to a
 * branch, so no job on main without that environment's protection can assume it.
 */
export function githubSubject(repository: string, mode: DeliveryMode, stack: DeliveryStack) {
  if (mode === 'preview' && stack === 'dev') return `repo:${repository}:pull_request`;
  const environment = mode === 'preview' ? `${stack}-preview` : stack;
  return `repo:${repository}:environment:${environment}`;
}

/** A role's trust policy: IAM refuses a `Resource` element in one. */
export interface TrustPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Omit<PolicyStatement, 'Resource'>[];
}

/** Trust policy: only tokens minted for STS whose subject is exactly `subject`. */
export function githubTrustPolicy(providerArn: string, subject: string): TrustPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
            [`${GITHUB_OIDC_HOST}:sub`]: subject,
          },
        },
      },
    ],
  };
}

export interface DeliveryAccessArgs {
  readonly stateBucketArn: string;
  /** The Pulumi project name (`Pulumi.yaml`), the state's second path component. */
  readonly project: string;
  readonly stack: DeliveryStack;
  readonly stateKeyArn: string;
  /** The other stack's state key, explicitly denied to a deploy role. */
  readonly otherStateKeyArn: string;
  /** ARNs of the CI roles and the OIDC provider: no deploy may rewrite who may deploy. */
  readonly deliveryIdentityArns: readonly string[];
}

/**
 * The S3 objects of one stack in Pulumi's DIY backend (pulumi/pulumi v3.259.0
 * `pkg/backend/diy/store.go`, `lock.go`, `state.go`): the checkpoint and its `.bak`/`.gz`
 * variants and tags file (`<stack>.*`), history, backups, and the lock of
 * `organization/<project>/<stack>`.
 */
export const stackStatePrefixes = (project: string, stack: string) => [
  `.pulumi/stacks/${project}/${stack}.*`,
  `.pulumi/history/${project}/${stack}/*`,
  `.pulumi/backups/${project}/${stack}/*`,
  `.pulumi/locks/organization/${project}/${stack}/*`,
];

export const stackStateObjects = (bucketArn: string, project: string, stack: string) =>
  stackStatePrefixes(project, stack).map((prefix) => `${bucketArn}/${prefix}`);

function stateStatements(args: DeliveryAccessArgs, write: boolean): PolicyStatement[] {
  const objects = stackStateObjects(args.stateBucketArn, args.project, args.stack);
  return [
    {
      Sid: 'ReadBackendMetadata',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${args.stateBucketArn}/.pulumi/meta.yaml`,
    },
    {
      Sid: 'ListOwnStack',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: args.stateBucketArn,
      Condition: {
        // `.pulumi/stacks/` itself: every command scans it for legacy files (`backend.go`).
        StringLike: {
          's3:prefix': [
            '.pulumi/meta.yaml',
            '.pulumi/stacks/',
            ...stackStatePrefixes(args.project, args.stack),
          ],
        },
      },
    },
    {
      Sid: write ? 'ReadWriteOwnStackState' : 'ReadOwnStackState',
      Effect: 'Allow',
      Action: write ? ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] : 's3:GetObject',
      Resource: objects,
    },
    {
      Sid: write ? 'UseOwnStackKey' : 'DecryptOwnStackSecrets',
      Effect: 'Allow',
      Action: write ? ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'] : 'kms:Decrypt',
      Resource: args.stateKeyArn,
    },
  ];
}

/**
 * What a preview reads besides its state: the program's invokes (availability zones, the ECR
 * token, the add-on versions) and its own cluster, for Kubernetes diffs. No data: not one
 * `s3:GetObject` outside its stack's state, where `ReadOnlyAccess` would read every bucket.
 */
export const PREVIEW_READ_ACTIONS = [
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeRegions',
  'ecr:GetAuthorizationToken',
  'eks:DescribeAddonVersions',
  'eks:DescribeCluster',
  'ssm:GetParameter',
] as const;

/** What copying an image out of a repository needs (`docker buildx imagetools create`). */
export const ECR_PULL_ACTIONS = [
  'ecr:BatchGetImage',
  'ecr:BatchCheckLayerAvailability',
  'ecr:GetDownloadUrlForLayer',
  'ecr:DescribeImages',
] as const;

export function previewPolicy(args: DeliveryAccessArgs): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      ...stateStatements(args, false),
      {
        Sid: 'ProgramInvokes',
        Effect: 'Allow',
        Action: [...PREVIEW_READ_ACTIONS],
        Resource: '*',
      },
    ],
  };
}

/**
 * A deploy role's own part (it also has AdministratorAccess: the program creates VPCs, EKS, IAM
 * roles and images). The explicit denies keep it to its stack inside one account: the other
 * stack's state and key, resources tagged for the other stack (existing or being created), and
 * the CI identities themselves. A separate AWS account per stack is the stronger boundary.
 */
export function deployPolicy(args: DeliveryAccessArgs): PolicyDocument {
  const other = DELIVERY_STACKS.find((s) => s !== args.stack) ?? args.stack;
  return {
    Version: '2012-10-17',
    Statement: [
      ...stateStatements(args, true),
      {
        Sid: 'DenyOtherStackState',
        Effect: 'Deny',
        Action: 's3:*',
        Resource: stackStateObjects(args.stateBucketArn, args.project, other),
      },
      {
        Sid: 'DenyOtherStackKey',
        Effect: 'Deny',
        Action: 'kms:*',
        Resource: args.otherStateKeyArn,
      },
      {
        Sid: 'DenyOtherStackResources',
        Effect: 'Deny',
        // prod promotes the images dev ran (infra images.promoteFrom): it may pull them, no more.
        ...(args.stack === 'prod' ? { NotAction: [...ECR_PULL_ACTIONS] } : { Action: '*' }),
        Resource: '*',
        Condition: { StringEquals: { [`aws:ResourceTag/${STACK_TAG}`]: other } },
      },
      {
        Sid: 'DenyCreatingOtherStackResources',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { [`aws:RequestTag/${STACK_TAG}`]: other } },
      },
      {
        // Changing or becoming a CI identity; reading and simulating it (preflight) stay allowed.
        Sid: 'DenyChangingDelivery',
        Effect: 'Deny',
        Action: [...CHANGE_IDENTITY_ACTIONS, 'sts:AssumeRole*'],
        Resource: [...args.deliveryIdentityArns],
      },
      {
        Sid: 'DenyChangingStateBucket',
        Effect: 'Deny',
        Action: ['s3:PutBucket*', 's3:DeleteBucket*', 's3:PutLifecycleConfiguration'],
        Resource: args.stateBucketArn,
      },
    ],
  };
}

/** IAM actions that change an identity, its trust or its policies. */
const CHANGE_IDENTITY_ACTIONS = [
  'iam:Add*',
  'iam:Attach*',
  'iam:Create*',
  'iam:Delete*',
  'iam:Detach*',
  'iam:Put*',
  'iam:Remove*',
  'iam:Tag*',
  'iam:Untag*',
  'iam:Update*',
] as const;

/** The state bucket's own policy: TLS only. */
export function stateBucketPolicy(bucketArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [denyInsecureTransport('s3', [bucketArn, `${bucketArn}/*`])],
  };
}

export const ADMINISTRATOR_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};
