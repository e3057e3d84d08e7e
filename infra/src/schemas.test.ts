/** Scenario: every Kubernetes object the dev and prod programs create validates against the upstream schemas. */
import { EC2NodeClass } from '@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass';
import { NodePool } from '@kubernetes-models/karpenter/karpenter.sh/v1/NodePool';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { describe, expect, it } from 'vitest';
import { type MockedProgram, ofType } from './testing/mocks.ts';
import { runStack } from './testing/stacks.ts';

interface Validatable {
  validate(): void;
}
const MODELS: Record<string, new (data: never) => Validatable> = {
  'kubernetes:apps/v1:Deployment': Deployment,
  'kubernetes:policy/v1:PodDisruptionBudget': PodDisruptionBudget,
  'kubernetes:core/v1:Namespace': Namespace,
  'kubernetes:core/v1:ServiceAccount': ServiceAccount,
  'kubernetes:core/v1:Service': Service,
  'kubernetes:keda.sh/v1alpha1:ScaledObject': ScaledObject,
  'kubernetes:keda.sh/v1alpha1:TriggerAuthentication': TriggerAuthentication,
  'kubernetes:karpenter.sh/v1:NodePool': NodePool,
  'kubernetes:karpenter.k8s.aws/v1:EC2NodeClass': EC2NodeClass,
};

function kubernetesObjects(program: MockedProgram) {
  return Object.keys(MODELS).flatMap((type) => ofType(program, type));
}

describe.each(['dev', 'prod'])('%s stack Kubernetes objects', (stack) => {
  it('are all known kinds and each validates against its schema', async () => {
    const { program } = await runStack(stack);
    const k8sTypes = new Set(
      program.resources
        .map((r) => r.type)
        .filter((t) => t.startsWith('kubernetes:') && !t.startsWith('kubernetes:helm.sh')),
    );
    expect([...k8sTypes].sort()).toEqual(Object.keys(MODELS).sort());
    const objects = kubernetesObjects(program);
    // namespace, 5 per worker, NodePool + EC2NodeClass, the front desk's SA, Deployment, Service, PDB
    expect(objects.length).toBe(1 + 3 * 5 + 2 + 4);
    for (const object of objects) {
      const Model = MODELS[object.type];
      if (!Model) throw new Error(`no schema for ${object.type}`);
      const { apiVersion, kind, metadata, spec, automountServiceAccountToken } = object.inputs;
      const data = {
        apiVersion,
        kind,
        metadata,
        ...(spec === undefined ? {} : { spec }),
        ...(automountServiceAccountToken === undefined ? {} : { automountServiceAccountToken }),
      };
      expect(
        () => new Model(data as never).validate(),
        `${object.type} ${object.name}`,
      ).not.toThrow();
    }
  });
});

describe('schema validation', () => {
  it('catches a violation (so the checks above can fail)', () => {
    const bad = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'x' },
      spec: { scaleTargetRef: { name: 'd' }, minReplicaCount: 'zero', triggers: [] },
    };
    expect(() => new ScaledObject(bad as never).validate()).toThrow();
  });
});
