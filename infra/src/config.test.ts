/** Stack configuration: the committed stack files validate, bad values fail with readable messages. */
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { StackConfigError, parseStackConfig, readStackConfig, workerScalingFor } from './config.ts';
import { rawStackConfig, stackConfig } from './testing/stacks.ts';

describe('stack configuration', () => {
  it('dev and prod stack files validate, with defaults filled', () => {
    const dev = stackConfig('dev');
    expect(dev).toMatchObject({
      region: 'eu-west-1',
      clusterName: 'darkroom-dev',
      network: { natGateways: 'single' },
      keda: { chartVersion: '2.18.1' },
      metricsServer: { chartVersion: '3.13.0' },
    });
    expect(workerScalingFor(dev, 'thumbnail')).toMatchObject({ minReplicas: 0, queueLength: 50 });
    expect(stackConfig('prod')).toMatchObject({
      network: { natGateways: 'onePerAz' },
      storage: { encryption: 'sse-kms', versioning: true },
    });
  });

  it('names every bad key, what it expects and what it received', () => {
    let error: unknown;
    try {
      parseStackConfig({
        ...rawStackConfig('dev'),
        region: 'mars',
        clusterName: 'Bad_Name',
        karpenter: { amiAlias: 'al2023@latest', cpuLimit: 'lots' },
        network: { natGateways: 'none' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StackConfigError);
    const message = (error as Error).message;
    expect(message).toContain(
      'aws:region must be an AWS region like "eu-west-1" (set aws:region), received "mars"',
    );
    expect(message).toContain('darkroom:clusterName must be 3–38 lower-case letters');
    expect(message).toContain(
      'darkroom:karpenter.amiAlias must pin an AMI alias like "al2023@v20251117" (never @latest), received "al2023@latest"',
    );
    expect(message).toContain('darkroom:karpenter.cpuLimit must be a Kubernetes quantity');
    expect(message).toContain(
      'darkroom:network.natGateways must be "single" (cheap) or "onePerAz" (zone-resilient), received "none"',
    );
  });

  it('refuses unknown keys and inconsistent scaling', () => {
    expect(() =>
      parseStackConfig({
        ...rawStackConfig('dev'),
        storage: { encryption: 'sse-s3', lifecycleDays: 30 },
      }),
    ).toThrow(/darkroom:storage/);
    expect(() =>
      parseStackConfig({
        ...rawStackConfig('dev'),
        workers: { grayscale: { minReplicas: 5, maxReplicas: 2 } },
      }),
    ).toThrow('darkroom:workers.grayscale needs minReplicas ≤ maxReplicas, received 5 > 2');
  });

  it('readStackConfig reads pulumi.Config once: structured values as JSON, scalars as strings', () => {
    pulumi.runtime.setAllConfig({
      'aws:region': 'eu-west-1',
      'darkroom:clusterName': 'darkroom-test',
      'darkroom:kubernetesVersion': '1.34',
      'darkroom:network': JSON.stringify({ natGateways: 'onePerAz' }),
    });
    expect(readStackConfig()).toMatchObject({
      clusterName: 'darkroom-test',
      kubernetesVersion: '1.34',
      network: { natGateways: 'onePerAz', availabilityZones: 3 },
    });
  });
});
