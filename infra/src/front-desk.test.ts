/** Scenario: the clients' front desk in the dev stack under Pulumi's mocks, and with a domain. */
import { decide } from '@darkroom/access';
import { beforeAll, describe, expect, it } from 'vitest';
import { FRONT_DESK_NODE_PORT } from './front-desk.ts';
import { ACCOUNT_ID, type MockedProgram, one, policyOf } from './testing/mocks.ts';
import { runStack } from './testing/stacks.ts';

type Obj = Record<string, unknown>;
const get = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Obj | undefined)?.[k], value);

let program: MockedProgram;
beforeAll(async () => {
  ({ program } = await runStack('dev'));
});

describe('dev stack: the front desk', () => {
  it('runs always-on on the system nodes, non-root and read-only, with its own IRSA service account', () => {
    const deployment = one(program, 'kubernetes:apps/v1:Deployment', 'front-desk').inputs;
    expect(get(deployment, 'spec.replicas')).toBe(2);
    expect(get(deployment, 'spec.template.spec.nodeSelector')).toEqual({
      'darkroom.io/role': 'system',
    });
    expect(get(deployment, 'spec.template.spec.containers.0.securityContext')).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
    });
    const env = get(deployment, 'spec.template.spec.containers.0.env') as { name: string }[];
    expect(env.map((e) => e.name).sort()).toEqual([
      'AWS_REGION',
      'DARKROOM_BUCKET',
      'DARKROOM_DLQ_URLS',
      'DARKROOM_FRONT_DESK_PORT',
      'DARKROOM_RESULTS_QUEUE_URL',
    ]);
    expect(
      get(
        one(program, 'kubernetes:core/v1:ServiceAccount', 'front-desk').inputs,
        'automountServiceAccountToken',
      ),
    ).toBe(false);
  });

  it('is reached only through CloudFront (HTTPS on *.cloudfront.net) and a VPC origin to an internal NLB', () => {
    const cdn = one(program, 'aws:cloudfront/distribution:Distribution').inputs;
    expect(get(cdn, 'defaultCacheBehavior.viewerProtocolPolicy')).toBe('redirect-to-https');
    expect(get(cdn, 'viewerCertificate.cloudfrontDefaultCertificate')).toBe(true);
    expect(get(cdn, 'origins.0.vpcOriginConfig.vpcOriginId')).toBeDefined();
    expect(one(program, 'aws:lb/loadBalancer:LoadBalancer').inputs).toMatchObject({
      internal: true,
      loadBalancerType: 'network',
    });
    expect(
      get(one(program, 'kubernetes:core/v1:Service', 'front-desk').inputs, 'spec.ports.0.nodePort'),
    ).toBe(FRONT_DESK_NODE_PORT);
    const sg = one(program, 'aws:ec2/securityGroup:SecurityGroup', 'front-desk').inputs;
    expect(get(sg, 'ingress.0.cidrBlocks')).toBeUndefined(); // only CloudFront's prefix list
    expect(get(sg, 'ingress.0.prefixListIds')).toHaveLength(1);
  });

  it('deploys the role policy of @darkroom/access: presign uploads into input/, never write results', async () => {
    const policy = policyOf(one(program, 'aws:iam/rolePolicy:RolePolicy', 'front-desk'));
    const bucket = `arn:aws:s3:::darkroom-dev-photos-0123abcd`;
    const principal = `arn:aws:iam::${ACCOUNT_ID}:role/front-desk`;
    const request = (action: string, key: string) => ({
      principal,
      action,
      resource: `${bucket}/${key}`,
      resourceAccount: ACCOUNT_ID,
    });
    const identity = [policy as never];
    expect(
      await decide(request('s3:PutObject', 'input/thumbnail/client-a/p.jpg'), { identity }),
    ).toBe('Allowed');
    expect(
      await decide(request('s3:PutObject', 'output/thumbnail/client-a/p.jpg'), { identity }),
    ).toBe('ImplicitlyDenied');
    expect(await decide(request('s3:DeleteObject', 'clients/client-a.json'), { identity })).toBe(
      'ImplicitlyDenied',
    );
  });
});

describe('a stack with its own domain', () => {
  it('serves the front desk on that domain with its ACM certificate', async () => {
    const { program: custom, outputs } = await runStack('dev', {
      frontDesk: {
        domain: 'photos.example.com',
        certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT_ID}:certificate/abc`,
      },
    });
    const cdn = one(custom, 'aws:cloudfront/distribution:Distribution').inputs;
    expect(get(cdn, 'aliases')).toEqual(['photos.example.com']);
    expect(get(cdn, 'viewerCertificate')).toMatchObject({
      sslSupportMethod: 'sni-only',
      minimumProtocolVersion: 'TLSv1.2_2021',
    });
    const url = await new Promise((done) => outputs.frontDeskUrl?.apply(done));
    expect(url).toBe('https://photos.example.com');
  });
});
