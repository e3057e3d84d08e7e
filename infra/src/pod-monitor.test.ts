/**
 * The PodMonitor behind `darkroom:monitoring.podMonitor`: absent by default (the CRD exists
 * only where the Prometheus operator runs), and when enabled a schema-valid PodMonitor that
 * selects every worker pod on the port and path the worker serves its metrics on.
 */
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { OPERATIONS, PROBE_PATHS } from '@darkroom/pipeline-spec';
import { describe, expect, it } from 'vitest';
import { ofType, one } from './testing/mocks.ts';
import { runStack } from './testing/stacks.ts';

const POD_MONITOR = 'kubernetes:monitoring.coreos.com/v1:PodMonitor';
type Obj = Record<string, unknown>;
const get = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Obj | undefined)?.[k], value);

describe('PodMonitor', () => {
  it('is not created unless the stack enables it', async () => {
    const { program } = await runStack('dev');
    expect(ofType(program, POD_MONITOR)).toEqual([]);
    expect(ofType(program, 'darkroom:observability:WorkerPodMonitor')).toEqual([]);
  });

  it('when enabled, validates against the operator schema and scrapes every worker pod', async () => {
    const { program } = await runStack('dev', {
      monitoring: { podMonitor: true, scrapeInterval: '15s' },
    });
    const monitor = one(program, POD_MONITOR).inputs;
    const { apiVersion, kind, metadata, spec } = monitor;
    expect(() =>
      new PodMonitor({ apiVersion, kind, metadata, spec } as never).validate(),
    ).not.toThrow();
    expect(get(monitor, 'metadata.namespace')).toBe('darkroom');
    expect(get(monitor, 'spec.podMetricsEndpoints')).toEqual([
      { port: 'http', path: PROBE_PATHS.metrics, interval: '15s' },
    ]);
    const selector = get(monitor, 'spec.selector.matchLabels') as Record<string, string>;
    const deployments = ofType(program, 'kubernetes:apps/v1:Deployment').filter(
      (d) => !d.name.startsWith('front-desk'),
    );
    expect(deployments).toHaveLength(OPERATIONS.length);
    for (const d of deployments) {
      const podLabels = get(d.inputs, 'spec.template.metadata.labels') as Record<string, string>;
      for (const [k, v] of Object.entries(selector)) expect(podLabels[k], d.name).toBe(v);
      expect(get(d.inputs, 'metadata.namespace')).toBe('darkroom');
      const ports = get(d.inputs, 'spec.template.spec.containers.0.ports') as {
        name: string;
        containerPort: number;
      }[];
      expect(ports.map((p) => p.name)).toContain('http');
    }
  });
});
