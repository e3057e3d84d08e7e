/** Scenario: dev with the optional settings turned on — CORS origins and arm64 workers. */
import { beforeAll, describe, expect, it } from 'vitest';
import { type MockedProgram, ofType, one } from './testing/mocks.ts';
import { runStack } from './testing/stacks.ts';

let program: MockedProgram;
beforeAll(async () => {
  ({ program } = await runStack('dev', {
    storage: { encryption: 'sse-s3', corsAllowedOrigins: ['https://photos.example.com'] },
    karpenter: { architectures: ['amd64', 'arm64'] },
    images: { platforms: ['linux/amd64', 'linux/arm64'] },
  }));
});

describe('dev stack with CORS and arm64', () => {
  it('adds CORS for the configured origins and the front desk’s own, nothing else', () => {
    expect(ofType(program, 'aws:s3/bucketCorsConfiguration:BucketCorsConfiguration')).toHaveLength(
      1,
    );
    expect(
      one(program, 'aws:s3/bucketCorsConfiguration:BucketCorsConfiguration').inputs['corsRules'],
    ).toEqual([
      expect.objectContaining({
        allowedOrigins: ['https://photos.example.com', 'https://d111111abcdef8.cloudfront.net'],
        allowedMethods: ['GET', 'PUT', 'POST', 'HEAD'],
      }),
    ]);
  });

  it('lets Karpenter pick arm64 nodes and builds multi-arch images', () => {
    const requirements = (
      one(program, 'kubernetes:karpenter.sh/v1:NodePool').inputs['spec'] as {
        template: { spec: { requirements: unknown[] } };
      }
    ).template.spec.requirements;
    expect(requirements).toContainEqual({
      key: 'kubernetes.io/arch',
      operator: 'In',
      values: ['amd64', 'arm64'],
    });
    for (const image of ofType(program, 'docker-build:index:Image'))
      expect(image.inputs['platforms']).toEqual(['linux/amd64', 'linux/arm64']);
  });
});
