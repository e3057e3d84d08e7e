/**
 * What Pulumi waits for, read from the registrations the engine receives (dependencies, ignored
 * fields): the orderings a first `up` and a clean `destroy` rely on. Pulumi deletes a resource
 * only after everything that depends on it, so "A waits for B" also means "B outlives A".
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '@darkroom/pipeline-spec';
import { ACCOUNT_ID, type MockedProgram, ofType, one, waitsFor } from './testing/mocks.ts';
import { runStack } from './testing/stacks.ts';

let program: MockedProgram;
beforeAll(async () => {
  ({ program } = await runStack('dev'));
});

const helm = (name: string) =>
  program.resources.find(
    (r) => r.type === 'kubernetes:helm.sh/v3:Release' && r.inputs['name'] === name,
  ) ?? expect.fail(`no Helm release ${name}`);

describe('first deploy', () => {
  it('creates CoreDNS after the system node group, so the first `up` does not time out waiting for nodes', () => {
    const coredns = one(program, 'aws:eks/addon:Addon');
    expect(coredns.inputs).toMatchObject({
      addonName: 'coredns',
      addonVersion: 'v1.14.3-eksbuild.3',
    });
    expect(waitsFor(coredns, one(program, 'eks:index:ManagedNodeGroup'))).toBe(true);
    // …and not inside eks.Cluster, where it would be created before any node (pulumi-eks#1819).
    expect(one(program, 'eks:index:Cluster').inputs['corednsAddonOptions']).toMatchObject({
      enabled: false,
    });
  });

  it('installs the Karpenter CRD chart before the controller, which skips the CRDs it bundles (so chart bumps upgrade them)', () => {
    expect(waitsFor(helm('karpenter'), helm('karpenter-crd'))).toBe(true);
    expect(helm('karpenter').inputs['skipCrds']).toBe(true);
  });

  it.each(OPERATIONS)(
    'creates the %s Deployment at zero replicas without waiting for Karpenter, and leaves the count to KEDA afterwards',
    (op) => {
      const deployment = one(program, 'kubernetes:apps/v1:Deployment', `${op}-worker`);
      expect(deployment.inputs['spec']).toMatchObject({ replicas: 0 });
      expect(deployment.ignoreChanges).toEqual(['spec.replicas']);
      expect(waitsFor(deployment, helm('karpenter'))).toBe(false);
      const scaledObject = one(program, 'kubernetes:keda.sh/v1alpha1:ScaledObject', `${op}-worker`);
      expect(waitsFor(scaledObject, deployment)).toBe(true);
      expect(
        waitsFor(
          one(program, 'kubernetes:keda.sh/v1alpha1:TriggerAuthentication', `${op}-worker`),
          helm('keda'),
        ),
      ).toBe(true);
    },
  );

  it('creates the S3 notifications after the queue policies that allow them (S3 tests the send on creation)', () => {
    const notification = one(program, 'aws:s3/bucketNotification:BucketNotification');
    for (const op of OPERATIONS)
      expect(
        waitsFor(
          notification,
          one(program, 'aws:sqs/queuePolicy:QueuePolicy', `${op}-queue-policy`),
        ),
      ).toBe(true);
  });
});

describe('clean destroy', () => {
  it('keeps the Karpenter controller and everything it needs to terminate nodes until the NodePool and EC2NodeClass are gone', () => {
    const nodePool = one(program, 'kubernetes:karpenter.sh/v1:NodePool');
    const nodeClass = one(program, 'kubernetes:karpenter.k8s.aws/v1:EC2NodeClass');
    const controller = helm('karpenter');
    expect(waitsFor(nodePool, nodeClass)).toBe(true);
    expect(waitsFor(nodeClass, controller)).toBe(true);
    for (const [type, part] of [
      ['aws:iam/rolePolicy:RolePolicy', 'karpenter-controller-policy'],
      ['aws:iam/instanceProfile:InstanceProfile', 'karpenter-node-profile'],
      ['aws:eks/accessEntry:AccessEntry', 'karpenter-node-access'],
      ['aws:sqs/queuePolicy:QueuePolicy', 'karpenter-interruptions-policy'],
      ['eks:index:ManagedNodeGroup', 'system-nodes'],
    ] as const)
      expect(waitsFor(controller, one(program, type, part)), part).toBe(true);
  });

  it('creates the EC2 Spot service-linked role before the controller launches anything (or every node runs on-demand)', () => {
    const slr = one(program, 'aws:iam/serviceLinkedRole:ServiceLinkedRole');
    expect(slr.inputs['awsServiceName']).toBe('spot.amazonaws.com');
    expect(waitsFor(helm('karpenter'), slr)).toBe(true);
  });

  it('leaves the account-wide Spot role on `destroy`: another stack may still need it', () => {
    expect(one(program, 'aws:iam/serviceLinkedRole:ServiceLinkedRole').retainOnDelete).toBe(true);
  });
});

describe('stacks whose account already has the Spot role', () => {
  it('does not try to create it again (which fails: the role name is taken)', async () => {
    const { program: existing } = await runStack('dev', {
      karpenter: { spotServiceLinkedRole: 'exists' },
    });
    expect(
      existing.resources.filter((r) => r.type === 'aws:iam/serviceLinkedRole:ServiceLinkedRole'),
    ).toEqual([]);
  });
});

describe('more than one deployer', () => {
  it('gives each configured admin principal cluster-admin through an access entry (or their `up`/`destroy` gets Unauthorized)', async () => {
    const ci = 'arn:aws:iam::123456789012:role/darkroom-ci-deploy';
    const { program: withAdmins } = await runStack('dev', { clusterAdmins: [ci] });
    const entry = one(withAdmins, 'aws:eks/accessEntry:AccessEntry', 'cluster-admin-0');
    expect(entry.inputs).toMatchObject({ principalArn: ci, type: 'STANDARD' });
    const association = one(
      withAdmins,
      'aws:eks/accessPolicyAssociation:AccessPolicyAssociation',
      'cluster-admin-0-policy',
    );
    expect(association.inputs).toMatchObject({
      principalArn: ci,
      policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
      accessScope: { type: 'cluster' },
    });
    // An association made before its entry exists fails with ResourceNotFoundException.
    expect(waitsFor(association, entry)).toBe(true);
  });

  it('let the stack’s CI preview role read the cluster (no Secrets, no writes), so previews show Kubernetes diffs', async () => {
    const { program } = await runStack('dev');
    const role = `arn:aws:iam::${ACCOUNT_ID}:role/darkroom-github-preview-dev`;
    const entry = one(program, 'aws:eks/accessEntry:AccessEntry', 'cluster-viewer-0');
    expect(entry.inputs).toMatchObject({ principalArn: role, type: 'STANDARD' });
    const association = one(
      program,
      'aws:eks/accessPolicyAssociation:AccessPolicyAssociation',
      'cluster-viewer-0-policy',
    );
    expect(association.inputs).toMatchObject({
      principalArn: role,
      policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
    });
    expect(waitsFor(association, entry)).toBe(true);
    const { program: without } = await runStack('dev', { ciPreviewViewer: false });
    expect(ofType(without, 'aws:eks/accessEntry:AccessEntry', 'cluster-viewer')).toEqual([]);
  });
});
