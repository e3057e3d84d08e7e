/** Stack configuration: the committed stack files validate, bad values fail with readable messages. */
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import {
  ADDON_BUILDS,
  DEFAULT_AMI_ALIAS,
  StackConfigError,
  addonVersionsFor,
  operationOptionEnv,
  parseStackConfig,
  readStackConfig,
  workerScalingFor,
} from './config.ts';
import { rawStackConfig, stackConfig } from './testing/stacks.ts';

describe('stack configuration', () => {
  it('dev and prod stack files validate, with defaults filled', () => {
    const dev = stackConfig('dev');
    expect(dev).toMatchObject({
      region: 'eu-west-1',
      clusterName: 'darkroom-dev',
      network: { natGateways: 'single' },
      keda: { chartVersion: '2.20.2' },
      metricsServer: { chartVersion: '3.13.1' },
      supportType: 'STANDARD',
    });
    expect(workerScalingFor(dev, 'thumbnail')).toMatchObject({ minReplicas: 0, queueLength: 50 });
    expect(stackConfig('prod')).toMatchObject({
      network: { natGateways: 'onePerAz' },
      storage: { encryption: 'sse-kms', versioning: true },
      supportType: 'EXTENDED',
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
      'darkroom:karpenter.amiAlias must pin an AMI alias like "al2023@v20260714" (never @latest), received "al2023@latest"',
    );
    expect(message).toContain('darkroom:karpenter.cpuLimit must be a Kubernetes quantity');
    expect(message).toContain(
      'darkroom:network.natGateways must be "single" (cheap) or "onePerAz" (zone-resilient), received "none"',
    );
  });

  it("maps a stack's operation options to the spec's variables and refuses options the operation lacks", () => {
    const config = parseStackConfig({
      ...rawStackConfig('dev'),
      workers: { watermark: { operationOptions: { opacity: 0.5, gravity: 'northwest' } } },
    });
    expect(operationOptionEnv(config, 'watermark')).toEqual({
      DARKROOM_WATERMARK_OPACITY: '0.5',
      DARKROOM_WATERMARK_GRAVITY: 'northwest',
    });
    expect(operationOptionEnv(config, 'grayscale')).toEqual({});
    expect(() =>
      parseStackConfig({
        ...rawStackConfig('dev'),
        workers: { grayscale: { operationOptions: { width: 320 } } },
      }),
    ).toThrow('darkroom:workers.grayscale.operationOptions has no option "width"');
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

describe('stack configuration that would deploy but not work', () => {
  const problems = (overrides: Record<string, unknown>): string => {
    try {
      parseStackConfig({ ...rawStackConfig('dev'), ...overrides });
    } catch (e) {
      if (e instanceof StackConfigError) return e.message;
      throw e;
    }
    return '';
  };

  it('refuses arm64 worker nodes when the images are built for amd64 only (pods would crash with exec format error)', () => {
    expect(problems({ karpenter: { architectures: ['amd64', 'arm64'] } })).toContain(
      'darkroom:karpenter.architectures allows arm64 nodes but images.platforms has no linux/arm64',
    );
    expect(
      problems({
        karpenter: { architectures: ['amd64', 'arm64'] },
        images: { platforms: ['linux/amd64', 'linux/arm64'] },
      }),
    ).toBe('');
  });

  it('refuses a private-only API endpoint unless `pulumi up` runs inside the VPC (Helm and Kubernetes resources could not connect)', () => {
    expect(problems({ endpoint: { publicAccess: false } })).toContain(
      'darkroom:endpoint publicAccess: false makes the API unreachable',
    );
    expect(problems({ endpoint: { publicAccess: false, deployFromInsideVpc: true } })).toBe('');
  });

  it('moves the add-ons with kubernetesVersion: a minor without pinned builds must pin them, and kube-proxy must match', () => {
    expect(addonVersionsFor(stackConfig('dev'))).toEqual(ADDON_BUILDS['1.35']);
    // 1.36: Karpenter 1.14 takes it, KEDA 2.20 is not tested on it, and no builds are pinned.
    const on136 = { kubernetesVersion: '1.36', karpenter: { amiAlias: 'al2023@v20260714' } };
    expect(problems(on136)).toContain(
      'darkroom:addonVersions.coredns has no default for Kubernetes 1.36: pin it',
    );
    const pinned = { vpcCni: 'v1.20.4-eksbuild.1', coredns: 'v1.14.3-eksbuild.3' };
    expect(
      problems({ ...on136, addonVersions: { ...pinned, kubeProxy: 'v1.35.3-eksbuild.13' } }),
    ).toContain('darkroom:addonVersions.kubeProxy must match kubernetesVersion 1.36');
    expect(
      problems({ ...on136, addonVersions: { ...pinned, kubeProxy: 'v1.36.0-eksbuild.14' } }),
    ).toBe(
      'Invalid stack configuration:\n  - darkroom:keda.chartVersion does not support kubernetesVersion 1.36: keda 2.20 supports Kubernetes 1.33–1.35, not 1.36 (kedacore/keda-docs content/docs/<version>/operate/cluster.md, "Kubernetes Compatibility" (tested minors))',
    );
  });

  it('pins an AMI release that amazon-eks-ami published (v20251117 never existed, so Karpenter found no AMI)', () => {
    // awslabs/amazon-eks-ami CHANGELOG: "AMI Release v20251112", "v20251120", "v20260714".
    const published = ['al2023@v20251112', 'al2023@v20251120', 'al2023@v20260714'];
    expect(published).toContain(DEFAULT_AMI_ALIAS);
    for (const stack of ['dev', 'prod'])
      expect(published).toContain(stackConfig(stack).karpenter.amiAlias);
  });

  it('refuses a combination no component supports, naming the component, its range and the source', () => {
    expect(problems({ karpenter: { chartVersion: '1.8.1' } })).toContain(
      'darkroom:karpenter.chartVersion does not support kubernetesVersion 1.35: karpenter 1.8 supports Kubernetes 1.26–1.34, not 1.35',
    );
    expect(problems({ karpenter: { amiAlias: 'al2023@v20251120' } })).toContain(
      'darkroom:karpenter.amiAlias does not support kubernetesVersion 1.35: eksAmi v20251120 supports Kubernetes 1.28–1.34, not 1.35',
    );
    expect(problems({ keda: { chartVersion: '2.18.1' } })).toContain(
      'darkroom:keda.chartVersion does not support kubernetesVersion 1.35',
    );
  });

  it('refuses replica caps the NodePool limit cannot hold (pods Pending, KEDA’s maximum unreachable)', () => {
    expect(problems({ workers: { grayscale: { maxReplicas: 30 } } })).toContain(
      "darkroom:karpenter.cpuLimit 64 is below the workers' maxReplicas (30 + 13 + 6) × 2 vCPU of node capacity per pod (1800m requested) = 98 vCPU",
    );
    expect(
      problems({ workers: { grayscale: { maxReplicas: 30 } }, karpenter: { cpuLimit: '98' } }),
    ).toBe('');
  });

  it('sets what EKS does at the end of standard support explicitly (the API would default to EXTENDED)', () => {
    expect(problems({ supportType: 'FOREVER' })).toContain('darkroom:supportType');
    expect(problems({})).toBe('');
  });

  it('names an admin principal that is not an IAM role or user ARN', () => {
    expect(problems({ clusterAdmins: ['ci-deploy'] })).toContain(
      'darkroom:clusterAdmins.0 must be an IAM role or user ARN',
    );
  });
});
