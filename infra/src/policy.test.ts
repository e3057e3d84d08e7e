/** Scenario: the guard rails pass on the dev program and catch each kind of mistake. */
import { beforeAll, describe, expect, it } from 'vitest';
import { type CheckedResource, checkResources } from './policy-rules.ts';
import type { MockedProgram } from './testing/mocks.ts';
import { runStack } from './testing/stacks.ts';

let program: MockedProgram;
beforeAll(async () => {
  ({ program } = await runStack('dev'));
});

function mutate(
  type: string,
  namePart: string,
  change: (inputs: Record<string, unknown>) => Record<string, unknown>,
): CheckedResource[] {
  return program.resources.map((r) =>
    r.type === type && r.name.includes(namePart)
      ? { ...r, inputs: change(structuredClone(r.inputs)) }
      : r,
  );
}

describe('policy rules', () => {
  it('the dev program has no violations', () => {
    expect(checkResources(program.resources)).toEqual([]);
  });

  it.each([
    [
      'iam-no-wildcard-actions',
      () =>
        mutate('aws:iam/rolePolicy:RolePolicy', 'grayscale-worker-policy', (i) => ({
          ...i,
          policy: JSON.stringify({
            Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }],
          }),
        })),
    ],
    [
      'iam-no-unconditioned-star-resource-writes',
      () =>
        mutate('aws:iam/rolePolicy:RolePolicy', 'keda-operator-policy', (i) => ({
          ...i,
          policy: JSON.stringify({
            Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }],
          }),
        })),
    ],
    [
      's3-private-encrypted-tls-only',
      () =>
        mutate('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'public-access', (i) => ({
          ...i,
          restrictPublicBuckets: false,
        })),
    ],
    [
      'sqs-encrypted',
      () =>
        mutate('aws:sqs/queue:Queue', 'thumbnail-dlq', (i) => ({
          ...i,
          sqsManagedSseEnabled: false,
        })),
    ],
    [
      'sqs-work-queues-have-dlq',
      () => mutate('aws:sqs/queue:Queue', 'thumbnail-queue', ({ redrivePolicy, ...i }) => i),
    ],
    [
      'nodes-imdsv2-hop-limit-1',
      () =>
        mutate('kubernetes:karpenter.k8s.aws/v1:EC2NodeClass', 'nodeclass', (i) => ({
          ...i,
          spec: {
            ...(i['spec'] as object),
            metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 2 },
          },
        })),
    ],
    [
      'iam-account-scoped-arn-has-account',
      () =>
        mutate('aws:iam/rolePolicy:RolePolicy', 'karpenter-controller-policy', (i) => ({
          ...i,
          policy: String(i['policy']).replace(':*:security-group/*', '::security-group/*'),
        })),
    ],
    [
      'iam-create-not-conditioned-on-resource-tags',
      () =>
        mutate('aws:iam/rolePolicy:RolePolicy', 'karpenter-controller-policy', (i) => ({
          ...i,
          policy: JSON.stringify({
            Statement: [
              {
                Effect: 'Allow',
                Action: 'iam:CreateInstanceProfile',
                Resource: 'arn:aws:iam::123456789012:instance-profile/*',
                Condition: {
                  StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/darkroom-dev': 'owned' },
                },
              },
            ],
          }),
        })),
    ],
    [
      's3-readers-may-list',
      () =>
        mutate('aws:iam/rolePolicy:RolePolicy', 'thumbnail-worker-policy', (i) => {
          const doc = JSON.parse(String(i['policy'])) as { Statement: { Sid?: string }[] };
          doc.Statement = doc.Statement.filter((st) => st.Sid !== 'ListOwnPrefixes');
          return { ...i, policy: JSON.stringify(doc) };
        }),
    ],
    [
      's3-readers-may-list',
      // Listing the outputs only, as before: a deleted source then dead-letters as AccessDenied.
      () =>
        mutate('aws:iam/rolePolicy:RolePolicy', 'thumbnail-worker-policy', (i) => {
          const doc = JSON.parse(String(i['policy'])) as {
            Statement: { Sid?: string; Condition?: unknown }[];
          };
          for (const st of doc.Statement)
            if (st.Sid === 'ListOwnPrefixes')
              st.Condition = { StringLike: { 's3:prefix': 'output/thumbnail/*' } };
          return { ...i, policy: JSON.stringify(doc) };
        }),
    ],
    [
      'eks-coredns-after-nodes',
      () =>
        mutate('eks:index:Cluster', 'cluster-eks', (i) => ({
          ...i,
          corednsAddonOptions: { enabled: true, version: 'v1.14.3-eksbuild.3' },
        })),
    ],
    [
      'pdb-allows-eviction',
      () =>
        program.resources.map((r) =>
          r.type === 'kubernetes:helm.sh/v3:Release' && r.inputs['name'] === 'keda'
            ? {
                ...r,
                inputs: {
                  ...r.inputs,
                  values: {
                    ...(r.inputs['values'] as object),
                    metricsServer: { replicaCount: 1 },
                    podDisruptionBudget: {
                      operator: { maxUnavailable: 1 },
                      metricServer: { minAvailable: 1 },
                    },
                  },
                },
              }
            : r,
        ),
    ],
    [
      'pods-restricted',
      () =>
        mutate('kubernetes:apps/v1:Deployment', 'watermark', (i) =>
          JSON.parse(
            JSON.stringify(i).replace(
              '"readOnlyRootFilesystem":true',
              '"readOnlyRootFilesystem":false',
            ),
          ),
        ),
    ],
    [
      'ecr-immutable-scanned',
      () =>
        mutate('aws:ecr/repository:Repository', 'grayscale-image-repo', (i) => ({
          ...i,
          imageTagMutability: 'MUTABLE',
        })),
    ],
  ])('%s catches its mistake', (rule, broken) => {
    const violations = checkResources(broken());
    expect([...new Set(violations.map((v) => v.rule))]).toEqual([rule]);
  });
});
