/** Scenario: the prod stack (Pulumi.prod.yaml) under mocks — where it must differ from dev. */
import { OPERATIONS } from '@darkroom/pipeline-spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_ID, type MockedProgram, REGION, ofType, one } from './testing/mocks.ts';
import { runStack } from './testing/stacks.ts';

let program: MockedProgram;
beforeAll(async () => {
  ({ program } = await runStack('prod'));
});

type Obj = Record<string, unknown>;
const get = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Obj | undefined)?.[k], value);

describe('prod stack', () => {
  it('keeps ECR repositories that hold images on destroy (images.forceDelete defaults to false)', () => {
    for (const op of OPERATIONS)
      expect(
        one(program, 'aws:ecr/repository:Repository', `${op}-image-repo`).inputs['forceDelete'],
      ).toBe(false);
  });

  it('ships the digest dev ran: copies dev’s image of the same sources into its own repository, builds nothing', async () => {
    expect(ofType(program, 'docker-build:index:Image')).toEqual([]);
    expect(ofType(program, 'aws:ecr/repository:Repository', 'cache')).toEqual([]);
    for (const op of OPERATIONS) {
      const copy = one(program, 'docker-build:index:Index', `${op}-image-promoted`).inputs;
      const registry = `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com`;
      const tag = String(copy['tag']).split(':').pop();
      expect(tag).toMatch(/^[0-9a-f]{16}$/);
      expect(copy['sources']).toEqual([`${registry}/darkroom-dev/${op}:${tag}`]);
      expect(copy['tag']).toBe(`${registry}/darkroom-prod/${op}:${tag}`);
      expect(copy['push']).toBe(true);
    }
    // …the very tag dev's build pushes, for images of the same platforms (the tag hashes the
    // sources, not the platforms).
    const { program: dev, config: devConfig } = await runStack('dev');
    const { config: prodConfig } = await runStack('prod');
    expect(prodConfig.images.platforms).toEqual(devConfig.images.platforms);
    for (const op of OPERATIONS) {
      const built = one(dev, 'docker-build:index:Image', `${op}-image-image`).inputs['tags'];
      const copied = one(program, 'docker-build:index:Index', `${op}-image-promoted`).inputs['tag'];
      expect(
        String((built as string[])[0])
          .split(':')
          .pop(),
      ).toBe(String(copied).split(':').pop());
    }
  });

  it('expires replaced and deleted versions of its versioned bucket after 30 days, never current ones', () => {
    const lifecycle = one(
      program,
      'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
    );
    expect(lifecycle.inputs['rules']).toEqual([
      expect.objectContaining({ id: 'abort-incomplete-multipart-uploads' }),
      expect.objectContaining({
        status: 'Enabled',
        noncurrentVersionExpiration: { noncurrentDays: 30 },
      }),
    ]);
    expect(JSON.stringify(lifecycle.inputs['rules'])).not.toContain('"expiration"');
  });

  it('keeps its control plane past standard support, deliberately (supportType EXTENDED)', () => {
    expect(one(program, 'eks:index:Cluster').inputs['upgradePolicy']).toEqual({
      supportType: 'EXTENDED',
    });
  });

  it('refuses to promote from itself', async () => {
    await expect(runStack('prod', { images: { promoteFrom: 'prod' } })).rejects.toThrow(
      /promoteFrom names this stack/,
    );
  });

  it('has a NAT gateway per AZ and an API endpoint public only to the listed CIDRs, so `pulumi up` can reach it', () => {
    expect(one(program, 'awsx:ec2:Vpc').inputs).toMatchObject({
      natGateways: { strategy: 'OnePerAz' },
      numberOfAvailabilityZones: 3,
    });
    const cluster = one(program, 'eks:index:Cluster').inputs;
    expect(cluster).toMatchObject({
      endpointPublicAccess: true,
      endpointPrivateAccess: true,
      name: 'darkroom-prod',
      publicAccessCidrs: ['203.0.113.0/24'],
    });
  });

  it('encrypts photos with a rotating customer-managed KMS key and versions the bucket', () => {
    const sse = get(
      one(
        program,
        'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
      ).inputs,
      'rules.0',
    ) as Obj;
    expect(sse).toMatchObject({
      applyServerSideEncryptionByDefault: {
        sseAlgorithm: 'aws:kms',
        kmsMasterKeyId: expect.stringMatching(/photos-key/),
      },
      bucketKeyEnabled: true,
    });
    expect(one(program, 'aws:kms/key:Key', 'photos-key').inputs).toMatchObject({
      enableKeyRotation: true,
    });
    expect(
      get(
        one(program, 'aws:s3/bucketVersioning:BucketVersioning').inputs,
        'versioningConfiguration.status',
      ),
    ).toBe('Enabled');
    expect(one(program, 'aws:s3/bucket:Bucket').inputs['forceDestroy']).toBe(false);
  });

  it('keeps one warm pod per worker, allows more of them and more worker CPU', () => {
    for (const op of OPERATIONS) {
      const spec = one(program, 'kubernetes:keda.sh/v1alpha1:ScaledObject', `${op}-worker`).inputs[
        'spec'
      ] as Obj;
      expect(spec['minReplicaCount']).toBe(1);
      expect(spec['maxReplicaCount']).toBe(op === 'thumbnail' ? 56 : 100);
      expect(spec['cooldownPeriod']).toBe(600);
    }
    expect(get(one(program, 'kubernetes:karpenter.sh/v1:NodePool').inputs, 'spec.limits.cpu')).toBe(
      '512',
    );
    expect(get(one(program, 'eks:index:ManagedNodeGroup').inputs, 'scalingConfig')).toEqual({
      desiredSize: 3,
      minSize: 3,
      maxSize: 6,
    });
    expect(
      get(
        one(program, 'kubernetes:karpenter.sh/v1:NodePool').inputs,
        'spec.disruption.consolidateAfter',
      ),
    ).toBe('5m');
  });
});
