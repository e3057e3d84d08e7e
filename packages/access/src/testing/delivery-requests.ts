/**
 * The requests each CI job makes in AWS, each allowed one with its denied twin, and the OIDC
 * tokens GitHub mints for each kind of job. Shared by the access tests (the pure documents) and
 * the infra tests (what infra/bootstrap renders).
 */
import {
  DELIVERY_STACKS,
  type DeliveryMode,
  type DeliveryStack,
  STACK_TAG,
  deliveryRoleName,
} from '../delivery.ts';
import type { PolicyDocument } from '../policy.ts';
import { type AccessRequest, type Decision, decide } from '../simulate.ts';
import { type ExpectedDecision, defaultKeyPolicy } from './worker-requests.ts';

export interface DeliveryWorld {
  readonly accountId: string;
  readonly region: string;
  readonly repository: string;
  readonly project: string;
  readonly stateBucketArn: string;
  readonly stateKeyArn: Readonly<Record<DeliveryStack, string>>;
}

export const otherStack = (stack: DeliveryStack): DeliveryStack =>
  DELIVERY_STACKS.find((s) => s !== stack) ?? stack;

/** The `sub` claims of every kind of job, with whether each role must trust it. */
export function githubTokens(repository: string) {
  const repo = `repo:${repository}`;
  return {
    'a pull request': `${repo}:pull_request`,
    'a pull request of another repository': 'repo:someone/fork:pull_request',
    'a push to main without an environment': `${repo}:ref:refs/heads/main`,
    'a push to another branch': `${repo}:ref:refs/heads/feature`,
    'a job in the dev environment': `${repo}:environment:dev`,
    'a job in the prod-preview environment': `${repo}:environment:prod-preview`,
    'a job in the prod environment': `${repo}:environment:prod`,
    'another repository’s prod environment': 'repo:someone/fork:environment:prod',
  } as const;
}

/** Which token each role trusts: exactly one. */
export const TRUSTED_TOKEN: Record<string, keyof ReturnType<typeof githubTokens>> = {
  [deliveryRoleName('preview', 'dev')]: 'a pull request',
  [deliveryRoleName('deploy', 'dev')]: 'a job in the dev environment',
  [deliveryRoleName('preview', 'prod')]: 'a job in the prod-preview environment',
  [deliveryRoleName('deploy', 'prod')]: 'a job in the prod environment',
};

export function deliveryRequests(
  world: DeliveryWorld,
  mode: DeliveryMode,
  stack: DeliveryStack,
): ExpectedDecision[] {
  const principal = `arn:aws:iam::${world.accountId}:role/${deliveryRoleName(mode, stack)}`;
  const ask = (action: string, resource: string, context?: AccessRequest['context']) => ({
    principal,
    action,
    resource,
    resourceAccount: world.accountId,
    ...(context ? { context } : {}),
  });
  const state = (s: DeliveryStack, key: string) =>
    `${world.stateBucketArn}/.pulumi/${key.replace('<p>', world.project).replace('<s>', s)}`;
  const checkpoint = (s: DeliveryStack) => state(s, 'stacks/<p>/<s>.json');
  const lock = (s: DeliveryStack) => state(s, 'locks/organization/<p>/<s>/0b5e.json');
  const keyPolicy = defaultKeyPolicy(world.accountId);
  const kms = (action: string, s: DeliveryStack) => ({
    request: ask(action, world.stateKeyArn[s]),
    resourcePolicy: keyPolicy,
  });
  const other = otherStack(stack);
  const eks = (s: DeliveryStack) =>
    `arn:aws:eks:${world.region}:${world.accountId}:cluster/darkroom-${s}`;
  const photos = `arn:aws:s3:::darkroom-${stack}-photos-0123abcd/input/thumbnail/client.jpg`;
  const common: ExpectedDecision[] = [
    ok('opens the backend (meta.yaml)', ask('s3:GetObject', state(stack, 'meta.yaml'))),
    ok('reads its stack’s checkpoint', ask('s3:GetObject', checkpoint(stack))),
    ok(
      'finds its stack',
      ask('s3:ListBucket', world.stateBucketArn, {
        's3:prefix': `.pulumi/stacks/${world.project}/${stack}.json`,
      }),
    ),
    ok(
      'scans the backend for legacy stacks (every command)',
      ask('s3:ListBucket', world.stateBucketArn, { 's3:prefix': '.pulumi/stacks/' }),
    ),
    ok('reads its stack’s tags', ask('s3:GetObject', state(stack, 'stacks/<p>/<s>.pulumi-tags'))),
    ok('decrypts its stack’s secrets', kms('kms:Decrypt', stack)),
    deny(mode, 'reads the other stack’s checkpoint', ask('s3:GetObject', checkpoint(other))),
    deny(mode, 'decrypts the other stack’s secrets', kms('kms:Decrypt', other)),
  ];
  if (mode === 'preview')
    return [
      ...common,
      ok('describes its cluster, for Kubernetes diffs', ask('eks:DescribeCluster', eks(stack))),
      ok('looks up availability zones', ask('ec2:DescribeAvailabilityZones', '*')),
      no(
        'lists the other stack’s history',
        ask('s3:ListBucket', world.stateBucketArn, {
          's3:prefix': `.pulumi/history/${world.project}/${other}/`,
        }),
      ),
      no(
        'writes its stack’s checkpoint (a preview takes no lock)',
        ask('s3:PutObject', checkpoint(stack)),
      ),
      no('takes its stack’s lock', ask('s3:PutObject', lock(stack))),
      no(
        'deletes its stack’s history',
        ask('s3:DeleteObject', state(stack, 'history/<p>/<s>/x.json')),
      ),
      no('encrypts with its stack’s key', kms('kms:Encrypt', stack)),
      no('reads a client’s photo', ask('s3:GetObject', photos)),
      no('deletes a cluster', ask('eks:DeleteCluster', eks(stack))),
    ];
  const tagged = (tag: 'ResourceTag' | 'RequestTag', s: DeliveryStack) => ({
    [`aws:${tag}/${STACK_TAG}`]: s,
  });
  const role = (m: DeliveryMode, s: DeliveryStack) =>
    `arn:aws:iam::${world.accountId}:role/${deliveryRoleName(m, s)}`;
  const repository = (s: DeliveryStack) =>
    `arn:aws:ecr:${world.region}:${world.accountId}:repository/darkroom-${s}/thumbnail`;
  const promotion: ExpectedDecision[] =
    stack === 'prod'
      ? [
          ok(
            'pulls the image dev ran, to promote it',
            ask('ecr:BatchGetImage', repository('dev'), tagged('ResourceTag', 'dev')),
          ),
          explicit(
            'pushes into dev’s repository',
            ask('ecr:PutImage', repository('dev'), tagged('ResourceTag', 'dev')),
          ),
        ]
      : [
          explicit(
            'pulls prod’s images',
            ask('ecr:BatchGetImage', repository('prod'), tagged('ResourceTag', 'prod')),
          ),
        ];
  return [
    ...common,
    ...promotion,
    ok(
      'pushes its own images',
      ask('ecr:PutImage', repository(stack), tagged('ResourceTag', stack)),
    ),
    ok('writes its stack’s checkpoint', ask('s3:PutObject', checkpoint(stack))),
    ok('takes and releases its stack’s lock', ask('s3:DeleteObject', lock(stack))),
    ok('encrypts new secrets with its stack’s key', kms('kms:GenerateDataKey', stack)),
    ok('creates its cluster', ask('eks:CreateCluster', '*', tagged('RequestTag', stack))),
    ok('reads its photos bucket', ask('s3:GetObject', photos)),
    explicit('writes the other stack’s checkpoint', ask('s3:PutObject', checkpoint(other))),
    explicit('takes the other stack’s lock', ask('s3:PutObject', lock(other))),
    explicit('encrypts with the other stack’s key', kms('kms:GenerateDataKey', other)),
    explicit(
      'deletes the other stack’s cluster',
      ask('eks:DeleteCluster', eks(other), tagged('ResourceTag', other)),
    ),
    explicit(
      'creates a resource for the other stack',
      ask('eks:CreateCluster', '*', tagged('RequestTag', other)),
    ),
    explicit('assumes the other stack’s deploy role', ask('sts:AssumeRole', role('deploy', other))),
    explicit(
      'rewrites who may assume its own role',
      ask('iam:UpdateAssumeRolePolicy', role('deploy', stack)),
    ),
    explicit(
      'attaches a policy to the other stack’s role',
      ask('iam:AttachRolePolicy', role('deploy', other)),
    ),
    ok(
      'simulates its own permissions (darkroom preflight, before every up)',
      ask('iam:SimulatePrincipalPolicy', role('deploy', stack)),
    ),
    explicit('replaces the state bucket’s policy', ask('s3:PutBucketPolicy', world.stateBucketArn)),
  ];
}

type Case =
  AccessRequest | { request: AccessRequest; resourcePolicy: ExpectedDecision['resourcePolicy'] };
const expect = (why: string, c: Case, expected: Decision): ExpectedDecision =>
  'request' in c
    ? {
        why,
        expected,
        request: c.request,
        ...(c.resourcePolicy ? { resourcePolicy: c.resourcePolicy } : {}),
      }
    : { why, expected, request: c };
const ok = (why: string, c: Case) => expect(why, c, 'Allowed');
const no = (why: string, c: Case) => expect(why, c, 'ImplicitlyDenied');
const explicit = (why: string, c: Case) => expect(why, c, 'ExplicitlyDenied');
/** A preview is denied by omission; a deploy role (administrator) only by an explicit Deny. */
const deny = (mode: DeliveryMode, why: string, c: Case) =>
  mode === 'preview' ? no(why, c) : explicit(why, c);

/**
 * Each case judged against `identity` (plus the case's resource policy), beside what it expects:
 * compare the two lists, so a failure names every request that went the other way.
 */
export async function judged(
  cases: readonly ExpectedDecision[],
  identity: readonly PolicyDocument[],
) {
  const actual = await Promise.all(
    cases.map(async (c) => ({
      why: c.why,
      decision: await decide(c.request, {
        identity,
        ...(c.resourcePolicy ? { resource: c.resourcePolicy } : {}),
      }),
    })),
  );
  return { actual, expected: cases.map((c) => ({ why: c.why, decision: c.expected })) };
}
